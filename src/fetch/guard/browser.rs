//! The guard's rules for a rendered page (`render = "browser"`): the same [`Reach`] rule as for
//! a redirect, applied to every request the page makes.
//!
//! Two parts, because Chromium offers no single place to stand:
//!
//! - [`Guard::judge_browser_request`] judges each request Chromium is about to send (the page,
//!   its redirects, scripts, frames, images, workers' fetches), which the browser stage holds back
//!   until judged. A name is resolved here to be judged by its addresses.
//! - [`Guard::browser_host_rules`] is Chromium's own resolver refusing every IP literal the
//!   source may not lead to. It covers the connections no request precedes, which the first part
//!   never sees: WebSockets, `<link rel=preconnect>`. Names that resolve inward are not covered by
//!   it (Chromium's Local Network Access refuses them for a public page, after connecting).
//!
//! Not covered, unlike for HTTP (where the address judged is the address used): a name is
//! resolved here and again by Chromium, so an answer that changes in between (DNS rebinding) is
//! judged on the first.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;

use super::{Guard, Reach, Refused, host_ip, is_invalid, normal};

/// The longest wait for a name a rendered page asks for to resolve.
const LOOKUP_LIMIT: Duration = Duration::from_secs(10);

impl Guard {
    /// Whether the page rendered for the source at `source` may send a request to `target`:
    /// `data:`, `blob:` and `about:` always (nothing leaves the browser), http and https to a
    /// public address or one of the source's own reach, nothing else. The source's own host is
    /// never judged (whoever wrote the registry chose it), so it is never looked up here either:
    /// the browser alone resolves it.
    pub(in crate::fetch) async fn judge_browser_request(
        &self,
        source: &Url,
        target: &Url,
    ) -> Result<(), Refused> {
        match target.scheme() {
            "http" | "https" => {}
            "data" | "blob" | "about" => return Ok(()),
            other => {
                return Err(Refused(format!(
                    "a {other}: URL ({target}), which a rendered page may not load"
                )));
            }
        }
        let Some(host) = target.host_str() else {
            return Err(Refused(format!("{target}, which names no host")));
        };
        if source.host_str().map(normal) == Some(normal(host)) {
            return Ok(());
        }
        let from = self.reach_of(source).unwrap_or(Reach::Public);
        let (to, at) = match self.reach_of(target) {
            Some(to) if host_ip(host).is_some() => (to, format!("{} {host}", to.words())),
            Some(to) => (to, format!("{host}, which has resolved to {}", to.words())),
            None => {
                let ips = lookup(host).await.map_err(|why| {
                    Refused(format!("{host}, which does not resolve ({why}) ({target})"))
                })?;
                let to = self.note(host, &ips).expect("at least one address");
                let shown = ips
                    .iter()
                    .copied()
                    .max_by_key(|ip| Reach::of(*ip))
                    .expect("at least one address");
                (
                    to,
                    format!("{host}, which resolves to {shown}, {}", to.words()),
                )
            }
        };
        if from.may_lead_to(to) {
            return Ok(());
        }
        Err(Refused(format!(
            "{at} ({target}); the source is at {}",
            from.words()
        )))
    }

    /// Chromium's `--host-resolver-rules` for a page of the source at `source`: every IP literal
    /// of a reach the source may not lead to resolves to nothing, and so do `.invalid` names
    /// (RFC 6761: they never resolve, so no query needs to leave for them). The source's own host
    /// is excluded first, since a pattern such as `10.*` could match a host name too.
    pub(in crate::fetch) fn browser_host_rules(&self, source: &Url) -> String {
        let from = self.reach_of(source).unwrap_or(Reach::Public);
        let mut rules = Vec::new();
        if let Some(host) = source.host_str() {
            rules.push(format!("EXCLUDE {}", host.trim_matches(['[', ']'])));
        }
        let mut refuse = |pattern: &str| rules.push(format!("MAP {pattern} ~NOTFOUND"));
        refuse("*.invalid");
        for reach in [
            Reach::Private,
            Reach::Loopback,
            Reach::LinkLocal,
            Reach::Unspecified,
            Reach::Special,
        ] {
            if !from.may_lead_to(reach) {
                for pattern in literal_patterns(reach) {
                    refuse(&pattern);
                }
            }
        }
        // IPv4 written as IPv6: Chromium spells it `::ffff:a9fe:a9fe`, which no pattern per range
        // can match, and a page has no need of it.
        refuse("::ffff:*");
        rules.join(", ")
    }
}

/// The addresses of `host`, within [`LOOKUP_LIMIT`]. `.invalid` names are not asked for.
async fn lookup(host: &str) -> Result<Vec<IpAddr>, String> {
    if is_invalid(host) {
        return Err("an .invalid name, RFC 6761".to_string());
    }
    let found = tokio::time::timeout(LOOKUP_LIMIT, tokio::net::lookup_host((host, 0)))
        .await
        .map_err(|_| format!("no answer within {} s", LOOKUP_LIMIT.as_secs()))?
        .map_err(|e| e.to_string())?;
    let ips: Vec<IpAddr> = found.map(|a| a.ip()).collect();
    if ips.is_empty() {
        return Err("no address".to_string());
    }
    Ok(ips)
}

/// Glob patterns (Chromium's resolver rules: `*` and `?`) for the IP literals of a reach, as
/// Chromium writes them (IPv4 dotted, IPv6 without brackets). IPv6 patterns hold a colon, which
/// no host name has; the IPv4 ones could match a name whose first labels are such numbers, which
/// a government site does not have.
fn literal_patterns(reach: Reach) -> Vec<String> {
    let v4 = |first: u8, seconds: std::ops::RangeInclusive<u8>| {
        seconds
            .map(|b| format!("{first}.{b}.*"))
            .collect::<Vec<_>>()
    };
    let fixed = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match reach {
        Reach::Public => Vec::new(),
        Reach::Private => [
            fixed(&["10.*", "192.168.*"]),
            v4(172, 16..=31),
            v4(100, 64..=127),
            fixed(&["fc*:*", "fd*:*", "fec*:*", "fed*:*", "fee*:*", "fef*:*"]),
        ]
        .concat(),
        Reach::Loopback => fixed(&["127.*", "localhost", "*.localhost", "::1"]),
        Reach::LinkLocal => fixed(&["169.254.*", "fe8*:*", "fe9*:*", "fea*:*", "feb*:*"]),
        Reach::Unspecified => fixed(&["0.*", "::"]),
        Reach::Special => [
            (224..=255).map(|a| format!("{a}.*")).collect(),
            fixed(&["ff*:*"]),
        ]
        .concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[tokio::test]
    async fn a_rendered_page_is_judged_like_a_redirect() {
        let public = url("https://www.gov.example/page");
        let local = url("http://127.0.0.1:8080/app");
        let guard = Guard::new([&public, &local]);
        guard.note("www.gov.example", &["93.184.216.34".parse().unwrap()]);
        guard.note("cdn.example", &["151.101.1.1".parse().unwrap()]);
        guard.note("evil.example", &["10.1.2.3".parse().unwrap()]);

        for ok in [
            "https://www.gov.example/app.js",
            "https://cdn.example/lib.js",
            "https://93.184.216.35/x.png",
            "data:image/png;base64,iVBORw0KGgo=",
            "blob:https://www.gov.example/0d5c",
            "about:blank",
        ] {
            guard
                .judge_browser_request(&public, &url(ok))
                .await
                .unwrap();
        }
        let refused = guard
            .judge_browser_request(&public, &url("http://169.254.169.254/latest/meta-data/"))
            .await
            .unwrap_err();
        assert_eq!(
            refused.0,
            "a link-local address 169.254.169.254 (http://169.254.169.254/latest/meta-data/); \
             the source is at a public address"
        );
        let refused = guard
            .judge_browser_request(&public, &url("http://evil.example/"))
            .await
            .unwrap_err();
        assert_eq!(
            refused.0,
            "evil.example, which has resolved to a private address (http://evil.example/); the \
             source is at a public address"
        );
        for refused in [
            "http://127.0.0.1:8080/",
            "http://localhost/",
            "http://[fe80::1]/",
            "file:///etc/passwd",
            "ftp://www.gov.example/x",
            "http://nowhere.invalid/",
        ] {
            assert!(
                guard
                    .judge_browser_request(&public, &url(refused))
                    .await
                    .is_err(),
                "{refused}"
            );
        }
        // A source on loopback may use loopback, never link-local or private.
        guard
            .judge_browser_request(&local, &url("http://127.0.0.1:9999/api"))
            .await
            .unwrap();
        guard
            .judge_browser_request(&local, &url("http://localhost:8080/x.js"))
            .await
            .unwrap();
        for refused in ["http://10.1.2.3/", "http://169.254.169.254/"] {
            assert!(
                guard
                    .judge_browser_request(&local, &url(refused))
                    .await
                    .is_err(),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_browser_resolves_no_literal_the_source_may_not_lead_to() {
        let public = url("https://www.gov.example/page");
        let local = url("http://127.0.0.1:8080/app");
        let guard = Guard::new([&public, &local]);
        guard.note("www.gov.example", &["93.184.216.34".parse().unwrap()]);

        let rules = guard.browser_host_rules(&public);
        let rules: Vec<&str> = rules.split(", ").collect();
        assert_eq!(rules[0], "EXCLUDE www.gov.example");
        for pattern in [
            "*.invalid",
            "10.*",
            "172.16.*",
            "172.31.*",
            "192.168.*",
            "100.64.*",
            "100.127.*",
            "fd*:*",
            "127.*",
            "localhost",
            "*.localhost",
            "::1",
            "169.254.*",
            "fe8*:*",
            "0.*",
            "224.*",
            "255.*",
            "ff*:*",
            "::ffff:*",
        ] {
            let rule = format!("MAP {pattern} ~NOTFOUND");
            assert!(rules.contains(&rule.as_str()), "{rule}");
        }
        assert!(
            !rules
                .iter()
                .any(|r| r.contains("172.15.") || r.contains("172.32."))
        );

        // From loopback, loopback stays reachable.
        let rules = guard.browser_host_rules(&local);
        assert!(rules.starts_with("EXCLUDE 127.0.0.1, MAP *.invalid ~NOTFOUND"));
        assert!(!rules.contains("MAP 127.*"), "{rules}");
        assert!(!rules.contains("localhost"), "{rules}");
        assert!(rules.contains("MAP 169.254.* ~NOTFOUND"), "{rules}");
        assert!(rules.contains("MAP 10.* ~NOTFOUND"), "{rules}");
    }
}
