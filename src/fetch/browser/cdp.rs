//! A small client of the DevTools protocol over `--remote-debugging-pipe`: Chromium reads JSON
//! commands from its fd 3 and writes JSON replies and events to its fd 4, each message ended by
//! a NUL byte. Two pipes and `serde_json` are all it takes, where a WebSocket client would be a
//! dependency tree to build; and a pipe cannot be reached by anything but this process, unlike
//! a debugging port.
//!
//! One [`Pipe`] serves every session (flattened: a command or event names its `sessionId`).
//! A message longer than the limit is refused before it is held whole, so a page cannot make the
//! browser send more than a bounded amount into this process.

use std::collections::VecDeque;
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::pipe;

#[derive(Debug, thiserror::Error)]
pub(super) enum CdpError {
    #[error("the browser closed the DevTools pipe")]
    Closed,
    #[error("the DevTools pipe: {0}")]
    Io(#[from] std::io::Error),
    #[error("the browser sent a message longer than {limit} bytes")]
    TooLong { limit: usize },
    #[error("the browser sent a message that is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{method} failed: {message}")]
    Command {
        method: &'static str,
        message: String,
    },
}

/// A message from the browser.
#[derive(Debug)]
pub(super) enum Message {
    /// The answer to the command with this id: its result, or the browser's error message.
    Reply {
        id: u64,
        result: Result<Value, String>,
    },
    Event(Event),
}

#[derive(Debug)]
pub(super) struct Event {
    pub(super) method: String,
    pub(super) params: Value,
    /// None for the browser's own session.
    pub(super) session: Option<String>,
}

/// This process's ends of the two pipes.
pub(super) struct Pipe {
    to: pipe::Sender,
    from: pipe::Receiver,
    /// Bytes read and not yet returned as messages; no NUL in `buf[..scanned]`.
    buf: Vec<u8>,
    scanned: usize,
    /// Messages read while [`Pipe::call`] waited for its reply.
    held: VecDeque<Message>,
    next_id: u64,
    limit: usize,
}

/// The browser's ends, which become its fds 3 and 4.
pub(super) struct ChildEnds {
    commands: OwnedFd,
    messages: OwnedFd,
}

/// Two pipes, each message at most `limit` bytes.
pub(super) fn pipes(limit: usize) -> std::io::Result<(Pipe, ChildEnds)> {
    let (their_commands, our_commands) = std::io::pipe()?;
    let (our_messages, their_messages) = std::io::pipe()?;
    // Numbered 10 or above, so that in the child neither is already 3 or 4 (dup2 onto itself
    // would leave close-on-exec set). Both stay close-on-exec here: no other child inherits them.
    let ends = ChildEnds {
        commands: rustix::io::fcntl_dupfd_cloexec(&their_commands, 10)?,
        messages: rustix::io::fcntl_dupfd_cloexec(&their_messages, 10)?,
    };
    let pipe = Pipe {
        to: pipe::Sender::from_owned_fd(OwnedFd::from(our_commands))?,
        from: pipe::Receiver::from_owned_fd(OwnedFd::from(our_messages))?,
        buf: Vec::new(),
        scanned: 0,
        held: VecDeque::new(),
        next_id: 0,
        limit,
    };
    Ok((pipe, ends))
}

impl ChildEnds {
    /// Makes the browser read commands from its fd 3 and write messages to its fd 4. The ends
    /// are dropped here once the child has started (its copies are its own).
    pub(super) fn give_to(&self, cmd: &mut tokio::process::Command) {
        let ends = [
            (self.commands.as_raw_fd(), 3),
            (self.messages.as_raw_fd(), 4),
        ];
        // SAFETY: the closure runs in the child between fork and exec, where only
        // async-signal-safe calls are allowed: it makes two dup2 system calls and allocates
        // nothing. The sources are open there (inherited, close-on-exec until exec); the targets
        // are wrapped without being closed (ManuallyDrop), as rustix's own `dup2_stdin` does.
        unsafe {
            cmd.pre_exec(move || {
                for (from, to) in ends {
                    let mut target = ManuallyDrop::new(OwnedFd::from_raw_fd(to));
                    rustix::io::dup2(BorrowedFd::borrow_raw(from), &mut target)?;
                }
                Ok(())
            });
        }
    }
}

impl Pipe {
    /// Sends a command (to a session, or to the browser itself) and returns its id.
    pub(super) async fn send(
        &mut self,
        session: Option<&str>,
        method: &'static str,
        params: Value,
    ) -> Result<u64, CdpError> {
        self.next_id += 1;
        let mut message = json!({ "id": self.next_id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = Value::from(session);
        }
        let mut bytes = serde_json::to_vec(&message)?;
        bytes.push(0);
        self.to
            .write_all(&bytes)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::BrokenPipe => CdpError::Closed,
                _ => CdpError::Io(e),
            })?;
        Ok(self.next_id)
    }

    /// Sends a command and waits for its result; what arrives meanwhile is kept for
    /// [`Pipe::next`].
    pub(super) async fn call(
        &mut self,
        session: Option<&str>,
        method: &'static str,
        params: Value,
    ) -> Result<Value, CdpError> {
        let id = self.send(session, method, params).await?;
        let mut kept = VecDeque::new();
        let reply = loop {
            match self.read().await {
                Ok(Message::Reply { id: got, result }) if got == id => break Ok(result),
                Ok(other) => kept.push_back(other),
                Err(e) => break Err(e),
            }
        };
        self.held.append(&mut kept);
        reply?.map_err(|message| CdpError::Command { method, message })
    }

    /// The next message: one held by [`Pipe::call`], else one read now. Cancel-safe: bytes
    /// read stay in the buffer.
    pub(super) async fn next(&mut self) -> Result<Message, CdpError> {
        match self.held.pop_front() {
            Some(message) => Ok(message),
            None => self.read().await,
        }
    }

    async fn read(&mut self) -> Result<Message, CdpError> {
        loop {
            if let Some(at) = memchr::memchr(0, &self.buf[self.scanned..]) {
                let end = self.scanned + at;
                let message = parse(&self.buf[..end]);
                self.buf.drain(..=end);
                self.scanned = 0;
                return message;
            }
            self.scanned = self.buf.len();
            if self.buf.len() > self.limit {
                return Err(CdpError::TooLong { limit: self.limit });
            }
            self.buf.reserve(64 * 1024);
            if self.from.read_buf(&mut self.buf).await? == 0 {
                return Err(CdpError::Closed);
            }
        }
    }
}

fn parse(bytes: &[u8]) -> Result<Message, CdpError> {
    let mut value: Value = serde_json::from_slice(bytes)?;
    if let Some(id) = value.get("id").and_then(Value::as_u64) {
        let result = match value.get_mut("error") {
            Some(error) => Err(error["message"].as_str().unwrap_or("unknown").to_string()),
            None => Ok(value["result"].take()),
        };
        return Ok(Message::Reply { id, result });
    }
    Ok(Message::Event(Event {
        method: value["method"].as_str().unwrap_or_default().to_string(),
        params: value["params"].take(),
        session: value["sessionId"].as_str().map(str::to_string),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_replies_or_events() {
        let reply = parse(br#"{"id":7,"result":{"targetId":"T"}}"#).unwrap();
        assert!(
            matches!(reply, Message::Reply { id: 7, result: Ok(ref v) } if v["targetId"] == "T")
        );
        let error = parse(br#"{"id":8,"error":{"code":-32000,"message":"No target"}}"#).unwrap();
        assert!(matches!(error, Message::Reply { id: 8, result: Err(ref m) } if m == "No target"));
        let event =
            parse(br#"{"method":"Page.loadEventFired","params":{"timestamp":1},"sessionId":"S"}"#)
                .unwrap();
        let Message::Event(event) = event else {
            panic!("an event")
        };
        assert_eq!(event.method, "Page.loadEventFired");
        assert_eq!(event.session.as_deref(), Some("S"));
        assert!(parse(b"{not json").is_err());
    }

    /// Messages split across reads and packed into one read come out whole, one by one; one
    /// longer than the limit is refused.
    #[tokio::test]
    async fn messages_are_framed_by_nul_within_a_limit() {
        let (mut pipe, ends) = pipes(64).unwrap();
        let mut theirs = std::fs::File::from(ends.messages.try_clone().unwrap());
        drop(ends);
        use std::io::Write;
        theirs.write_all(br#"{"id":1,"res"#).unwrap();
        theirs
            .write_all(b"ult\":{}}\0{\"method\":\"A.b\",\"params\":{}}\0")
            .unwrap();
        assert!(matches!(
            pipe.next().await.unwrap(),
            Message::Reply { id: 1, .. }
        ));
        assert!(matches!(pipe.next().await.unwrap(), Message::Event(e) if e.method == "A.b"));
        theirs.write_all(&[b' '; 100]).unwrap();
        assert!(matches!(
            pipe.next().await,
            Err(CdpError::TooLong { limit: 64 })
        ));
        drop(theirs);
    }
}
