//! Per-host politeness: at most `per_host_concurrency` requests to one host at a time, a least
//! interval between them, and a place among the requests in flight overall.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
use tokio::time::Instant;

use super::HostKey;

/// The gates of every host seen in a run, and the global limit.
pub(super) struct Gates {
    hosts: Mutex<HashMap<HostKey, Arc<HostGate>>>,
    global: Arc<Semaphore>,
    per_host_concurrency: usize,
    interval: Duration,
}

pub(super) struct HostGate {
    permits: Semaphore,
    /// The earliest moment the next request to this host may start.
    next_start: Mutex<Instant>,
}

/// A host's turn: holds its permits; when dropped (the response is read or abandoned), the next
/// request to the host waits a full interval from now. So the gap holds between the end of one
/// exchange and the start of the next, however long the connection took to set up.
pub(super) struct Turn<'g> {
    gate: &'g HostGate,
    interval: Duration,
    _host: SemaphorePermit<'g>,
    /// Taken by a successful fetch, so the body's processing counts against the global limit.
    global: Option<OwnedSemaphorePermit>,
}

/// A place among the requests in flight, held while a fetched body waits to be processed.
pub(crate) struct Slot(#[allow(dead_code)] Option<OwnedSemaphorePermit>);

impl Turn<'_> {
    /// Gives the turn back without having asked the host anything: the next request need not
    /// wait an interval for it.
    pub(super) fn unused(mut self) {
        self.interval = Duration::ZERO;
        // Taking the turn reserved an interval after it; no request was made in it.
        *self.gate.next_start.lock().expect("gate lock") = Instant::now();
    }

    /// Keeps the global place beyond this turn, for the body's processing.
    pub(super) fn keep_slot(&mut self) -> Slot {
        Slot(self.global.take())
    }
}

impl HostGate {
    /// No request to this host starts before `wait` from now, whichever source it is for.
    pub(super) fn hold_for(&self, wait: Duration) {
        let mut next = self.next_start.lock().expect("gate lock");
        *next = (*next).max(Instant::now() + wait);
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut next = self.gate.next_start.lock().expect("gate lock");
        *next = (*next).max(Instant::now() + self.interval);
    }
}

impl Gates {
    pub(super) fn new(
        concurrency: usize,
        per_host_concurrency: usize,
        interval: Duration,
    ) -> Gates {
        Gates {
            hosts: Mutex::new(HashMap::new()),
            global: Arc::new(Semaphore::new(concurrency)),
            per_host_concurrency,
            interval,
        }
    }

    pub(super) fn host(&self, host: &HostKey) -> Arc<HostGate> {
        let mut hosts = self.hosts.lock().expect("host map lock");
        hosts
            .entry(host.clone())
            .or_insert_with(|| {
                Arc::new(HostGate {
                    permits: Semaphore::new(self.per_host_concurrency),
                    next_start: Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    /// Waits for this host's turn: its concurrency limit, then its least interval, then a global
    /// slot. The permits are held for as long as the returned guard lives.
    pub(super) async fn turn<'g>(&self, gate: &'g HostGate) -> Turn<'g> {
        let host = gate.permits.acquire().await.expect("never closed");
        loop {
            let wait = {
                let mut next = gate.next_start.lock().expect("gate lock");
                let now = Instant::now();
                if now >= *next {
                    *next = now + self.interval;
                    None
                } else {
                    Some(*next)
                }
            };
            match wait {
                Some(at) => tokio::time::sleep_until(at).await,
                None => break,
            }
        }
        let global = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        Turn {
            gate,
            interval: self.interval,
            _host: host,
            global: Some(global),
        }
    }
}
