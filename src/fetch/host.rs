//! [`HostKey`]: what "a host" means to politeness, to giving up on a dead server, and to the
//! progress line, said once.

use reqwest::Url;

/// A server as politeness sees it: the host name (lower case) and the port, explicit or the
/// scheme's. Two sources on one host share its gate (concurrency, interval, a 429's backoff) and
/// its health (given up on after repeated connection failures); another port is another server.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct HostKey {
    host: String,
    port: u16,
    /// The port is the scheme's own, so it is not shown.
    default_port: bool,
}

impl HostKey {
    /// Name, then port: an order that tells every host apart, `http://x` from `https://x`.
    pub(crate) fn sort_key(&self) -> (&str, u16) {
        (&self.host, self.port)
    }

    pub(crate) fn of(url: &Url) -> HostKey {
        HostKey {
            host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
            port: url.port_or_known_default().unwrap_or(0),
            default_port: url.port().is_none(),
        }
    }
}

/// As a person names it: `egov.kz`, `127.0.0.1:8080`.
impl std::fmt::Display for HostKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.default_port {
            f.write_str(&self.host)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_key_per_server() {
        let key = |u: &str| HostKey::of(&Url::parse(u).unwrap());
        assert_eq!(key("https://EGOV.kz/a"), key("https://egov.kz/b"));
        assert_eq!(key("https://egov.kz/a").to_string(), "egov.kz");
        assert_ne!(key("http://127.0.0.1:8080/"), key("http://127.0.0.1:8081/"));
        assert_eq!(key("http://127.0.0.1:8080/").to_string(), "127.0.0.1:8080");
        assert_ne!(key("http://egov.kz/"), key("https://egov.kz/"));
    }
}
