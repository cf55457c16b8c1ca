//! Where a redirect may lead: never to a more private network than the source it started from.
//!
//! A public page that redirects to `http://127.0.0.1:8080/admin`, `http://10.0.0.5/` or the cloud
//! metadata service at `169.254.169.254` would have sourcewatch fetch an internal page and store
//! its text (server-side request forgery). Every address falls in one [`Reach`]: public, private
//! (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), loopback, link-local (169.254/16,
//! fe80::/10), unspecified (0.0.0.0/8, ::) or other special (multicast, broadcast, reserved).
//! **A redirect may go to a public address or to one of the same reach as the source's own URL,
//! nothing else.** So a public page cannot lead inside; a source on 127.0.0.1 (tests, a local
//! mirror) may redirect within loopback, and an intranet mirror within the private range, but
//! loopback cannot lead to link-local nor private to loopback. A source's own URL is never judged:
//! whoever wrote the registry chose it.
//!
//! A rendered page (`render = "browser"`) is held to the same rule: Chromium follows redirects
//! and runs the page's scripts itself, so each request it is about to send is judged before it
//! goes, and Chromium's own resolver refuses the IP literals the source may not lead to
//! ([`browser`]).
//!
//! reqwest's redirect policy sees URLs only, so the decision is made in two places, both of them
//! [`Guard`]:
//!
//! - **The policy** ([`Guard::judge`]) decides when it can: the target is an IP literal, a
//!   `localhost` name, or a name already resolved in this run. The reach of every source's own host
//!   is learned (resolved once, concurrently) before the run's first request, so a redirect to
//!   another source's host is decided here too.
//! - **The resolver** ([`Resolver`], reqwest's DNS resolver) decides the rest: a name that only a
//!   redirect leads to resolves to public addresses, or to the reach of a source that redirected
//!   to it (the policy notes that before the request); otherwise the lookup fails and no
//!   connection is made. A name is resolved when a connection opens, so a rebinding DNS answer is
//!   judged on the address actually used. An `.invalid` name is never looked up (RFC 6761: it
//!   cannot resolve), so no query leaves for it.
//!
//! Either refusal makes the capture `unreachable`, with the reason in words.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect::Attempt;

mod browser;

/// How far inside the network an address is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Reach {
    Public,
    Private,
    Loopback,
    LinkLocal,
    Unspecified,
    Special,
}

impl Reach {
    pub(super) fn of(ip: IpAddr) -> Reach {
        match ip {
            IpAddr::V4(v4) => Reach::of_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Reach::of_v4(v4),
                None => Reach::of_v6(v6),
            },
        }
    }

    fn of_v4(ip: Ipv4Addr) -> Reach {
        let [a, b, ..] = ip.octets();
        if ip.is_loopback() {
            Reach::Loopback
        } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
            Reach::Private
        } else if ip.is_link_local() {
            Reach::LinkLocal
        } else if a == 0 {
            Reach::Unspecified
        } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
            Reach::Special
        } else {
            Reach::Public
        }
    }

    fn of_v6(ip: Ipv6Addr) -> Reach {
        let first = ip.segments()[0];
        if ip.is_loopback() {
            Reach::Loopback
        } else if ip.is_unspecified() {
            Reach::Unspecified
        } else if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfec0 {
            // Unique local, and the old site-local.
            Reach::Private
        } else if first & 0xffc0 == 0xfe80 {
            Reach::LinkLocal
        } else if ip.is_multicast() {
            Reach::Special
        } else {
            Reach::Public
        }
    }

    /// The most inward of some addresses: a name is as internal as its most internal address.
    fn of_all(ips: impl IntoIterator<Item = IpAddr>) -> Option<Reach> {
        ips.into_iter().map(Reach::of).max()
    }

    fn words(self) -> &'static str {
        match self {
            Reach::Public => "a public address",
            Reach::Private => "a private address",
            Reach::Loopback => "a loopback address",
            Reach::LinkLocal => "a link-local address",
            Reach::Unspecified => "the unspecified address",
            Reach::Special => "a multicast or reserved address",
        }
    }

    /// The rule: public, or where the source itself is.
    fn may_lead_to(self, to: Reach) -> bool {
        to == Reach::Public || to == self
    }
}

/// Why a redirect was not followed or a name not resolved; found in reqwest's error chain and
/// reported as `unreachable`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(super) struct Refused(pub(super) String);

/// The reach of hosts seen in a run, and the redirects waiting on a lookup.
#[derive(Default)]
pub(super) struct Guard {
    /// Lower-case host names of the sources' own URLs: never judged themselves.
    sources: HashSet<String>,
    /// Each name resolved in this run, with its reach.
    resolved: Mutex<HashMap<String, Reach>>,
    /// Names a redirect led to before they were resolved, with the reach of the sources those
    /// redirects started from.
    awaited: Mutex<HashMap<String, Vec<Reach>>>,
}

/// What the policy can tell of a URL's host before any lookup.
fn host_reach(url: &Url) -> Option<Reach> {
    let host = url.host_str()?;
    if let Some(ip) = host_ip(host) {
        return Some(Reach::of(ip));
    }
    // RFC 6761: these names are loopback, whatever a resolver says.
    is_localhost(host).then_some(Reach::Loopback)
}

/// The address of a URL host that is an IP literal (`[…]` for IPv6; the URL parser has already
/// turned other IPv4 spellings, such as `2130706433`, into dotted form).
fn host_ip(host: &str) -> Option<IpAddr> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

/// RFC 6761: `.invalid` names never resolve, so no query is sent for them (none leaves the
/// machine for a name that cannot exist).
fn is_invalid(name: &str) -> bool {
    let name = normal(name);
    name == "invalid" || name.ends_with(".invalid")
}

fn is_localhost(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// A host name as the resolver sees it: lower case, no trailing dot.
fn normal(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl Guard {
    pub(super) fn new<'a>(source_urls: impl IntoIterator<Item = &'a Url>) -> Guard {
        Guard {
            sources: source_urls
                .into_iter()
                .filter_map(|u| u.host_str())
                .map(normal)
                .collect(),
            ..Guard::default()
        }
    }

    /// Resolves the sources' host names (not IP literals or `localhost`), all at once and for at
    /// most `limit`, so that the policy knows where each source is. A name that does not resolve
    /// is left to the fetch, which then reports it.
    pub(super) async fn learn(&self, limit: Duration) {
        let mut lookups = tokio::task::JoinSet::new();
        for name in &self.sources {
            if is_localhost(name) || is_invalid(name) || host_ip(name).is_some() {
                continue;
            }
            let name = name.clone();
            lookups.spawn(async move {
                let ips = tokio::net::lookup_host((name.as_str(), 0))
                    .await
                    .map(|a| a.map(|s| s.ip()).collect::<Vec<_>>());
                (name, ips)
            });
        }
        let _ = tokio::time::timeout(limit, async {
            while let Some(joined) = lookups.join_next().await {
                if let Ok((name, Ok(ips))) = joined {
                    self.note(&name, &ips);
                }
            }
        })
        .await;
    }

    fn note(&self, name: &str, ips: &[IpAddr]) -> Option<Reach> {
        let reach = Reach::of_all(ips.iter().copied())?;
        let mut resolved = self.resolved.lock().expect("guard lock");
        let entry = resolved.entry(normal(name)).or_insert(reach);
        *entry = (*entry).max(reach);
        Some(*entry)
    }

    /// Where `url` is, as far as known without a new lookup.
    fn reach_of(&self, url: &Url) -> Option<Reach> {
        host_reach(url).or_else(|| {
            let name = normal(url.host_str()?);
            self.resolved
                .lock()
                .expect("guard lock")
                .get(&name)
                .copied()
        })
    }

    /// The redirect policy's part: whether a redirect from the chain that started at `origin`
    /// may go to `target`. A name not resolved yet is let through and noted for the resolver.
    pub(super) fn judge(&self, origin: &Url, target: &Url) -> Result<(), Refused> {
        // A source whose own host is unknown (its lookup failed) is judged as public, the
        // strictest.
        let from = self.reach_of(origin).unwrap_or(Reach::Public);
        if let Some(to) = self.reach_of(target)
            && !from.may_lead_to(to)
        {
            return Err(Refused(format!(
                "redirect to {target} refused: {} is {}, and the source is at {}",
                target.host_str().unwrap_or_default(),
                to.words(),
                from.words()
            )));
        }
        // A name will be looked up (again, if the connection is not pooled): the resolver must
        // know where the redirect came from.
        if let Some(name) = target.host_str()
            && host_ip(name).is_none()
        {
            let mut awaited = self.awaited.lock().expect("guard lock");
            let froms = awaited.entry(normal(name)).or_default();
            if !froms.contains(&from) {
                froms.push(from);
            }
        }
        Ok(())
    }

    /// The resolver's part: the addresses `name` resolved to, or why they are refused.
    fn admit(&self, name: &str, ips: &[IpAddr]) -> Result<(), Refused> {
        let name = normal(name);
        let Some(reach) = self.note(&name, ips) else {
            return Ok(());
        };
        if reach == Reach::Public || self.sources.contains(&name) {
            return Ok(());
        }
        let awaited = self.awaited.lock().expect("guard lock");
        let from = awaited.get(&name).map(Vec::as_slice).unwrap_or_default();
        if from.contains(&reach) {
            return Ok(());
        }
        let shown = ips
            .iter()
            .copied()
            .max_by_key(|ip| Reach::of(*ip))
            .expect("a reach implies an address");
        let at = if Reach::of(shown) == reach {
            format!("resolves to {shown}, {}", reach.words())
        } else {
            format!("has resolved to {} in this run", reach.words())
        };
        let led = match from.iter().min() {
            Some(r) => format!("a redirect led there from a source at {}", r.words()),
            None => "only a redirect leads there".to_string(),
        };
        Err(Refused(format!(
            "{name} {at}; {led}, and a redirect may not lead further inside"
        )))
    }

    /// Checks a redirect for reqwest's custom policy: `None` to follow it.
    pub(super) fn check(&self, attempt: &Attempt<'_>) -> Option<Refused> {
        let origin = attempt.previous().first()?;
        self.judge(origin, attempt.url()).err()
    }
}

/// The guard as reqwest's DNS resolver: the system's lookup, then [`Guard::admit`].
pub(super) struct Resolver(pub(super) Arc<Guard>);

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.0.clone();
        let name = name.as_str().to_string();
        Box::pin(async move {
            if is_invalid(&name) {
                let never = format!("{name} never resolves (an .invalid name, RFC 6761)");
                return Err(std::io::Error::new(std::io::ErrorKind::NotFound, never).into());
            }
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let ips: Vec<IpAddr> = addrs.iter().map(SocketAddr::ip).collect();
            guard.admit(&name, &ips)?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_address_has_its_reach() {
        for (addr, reach) in [
            ("93.184.216.34", Reach::Public),
            ("2a00:1450:4001::200e", Reach::Public),
            ("127.0.0.1", Reach::Loopback),
            ("127.8.9.10", Reach::Loopback),
            ("::1", Reach::Loopback),
            ("10.0.0.1", Reach::Private),
            ("172.16.5.4", Reach::Private),
            ("172.32.0.1", Reach::Public),
            ("192.168.1.1", Reach::Private),
            ("100.64.0.1", Reach::Private),
            ("fd12:3456::1", Reach::Private),
            ("169.254.169.254", Reach::LinkLocal),
            ("fe80::1", Reach::LinkLocal),
            ("0.0.0.0", Reach::Unspecified),
            ("::", Reach::Unspecified),
            ("224.0.0.1", Reach::Special),
            ("255.255.255.255", Reach::Special),
            ("ff02::1", Reach::Special),
            // IPv4 written as IPv6 is the IPv4 address.
            ("::ffff:169.254.169.254", Reach::LinkLocal),
            ("::ffff:127.0.0.1", Reach::Loopback),
        ] {
            assert_eq!(Reach::of(ip(addr)), reach, "{addr}");
        }
    }

    /// Redirects to loopback and private addresses were followed from any host.
    #[test]
    fn redirect_to_loopback_and_private_addresses_is_refused() {
        let public = "https://www.gov.example/page";
        let guard = Guard::new([&url(public), &url("http://127.0.0.1:8080/mirror")]);
        guard.note("www.gov.example", &[ip("93.184.216.34")]);
        for target in [
            "http://127.0.0.1/admin",
            "http://[::1]:8080/",
            "http://localhost/",
            "http://api.localhost./",
            "http://10.0.0.1/",
            "http://192.168.0.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:169.254.169.254]/",
            "http://[fe80::1]/",
            "http://0.0.0.0:8080/",
            "http://2130706433/",
        ] {
            let refused = guard.judge(&url(public), &url(target)).unwrap_err();
            assert!(
                refused.0.contains("refused") && refused.0.contains("the source is at a public"),
                "{target}: {refused}"
            );
        }
        assert!(
            guard
                .judge(&url(public), &url("http://169.254.169.254/"))
                .unwrap_err()
                .0
                .contains("169.254.169.254 is a link-local address")
        );
        // Public to public is what redirects are for.
        guard.note("cdn.example", &[ip("151.101.1.1")]);
        guard
            .judge(&url(public), &url("https://cdn.example/x"))
            .unwrap();
        guard
            .judge(&url(public), &url("https://93.184.216.35/"))
            .unwrap();

        // From loopback: within loopback and out to public, never to link-local or private.
        let local = url("http://127.0.0.1:8080/mirror");
        for ok in [
            "http://127.0.0.1:9090/other",
            "http://localhost:8080/",
            "http://[::1]/",
            "https://www.gov.example/",
        ] {
            guard.judge(&local, &url(ok)).unwrap();
        }
        for refused in ["http://169.254.169.254/", "http://10.0.0.1/"] {
            assert!(guard.judge(&local, &url(refused)).is_err(), "{refused}");
        }
    }

    /// A name the policy cannot place yet is judged when it resolves, by the reach of the
    /// sources whose redirects led to it.
    #[test]
    fn names_behind_redirects_are_judged_when_they_resolve() {
        let public = url("https://www.gov.example/");
        let mirror = url("http://mirror.corp/");
        let guard = Guard::new([&public, &mirror]);
        guard.note("www.gov.example", &[ip("93.184.216.34")]);
        guard.note("mirror.corp", &[ip("10.1.2.3")]);

        // A public page sends us to a name that resolves inside: refused at the lookup.
        guard.judge(&public, &url("http://evil.example/")).unwrap();
        let refused = guard
            .admit("evil.example", &[ip("93.184.216.40"), ip("127.0.0.1")])
            .unwrap_err();
        assert_eq!(
            refused.0,
            "evil.example resolves to 127.0.0.1, a loopback address; a redirect led there from \
             a source at a public address, and a redirect may not lead further inside"
        );
        // Once resolved, the policy knows it: a pooled connection is no way around.
        assert!(guard.judge(&public, &url("http://evil.example/2")).is_err());

        // The intranet mirror may send us to another intranet name; public names are fine.
        guard.judge(&mirror, &url("http://mirror2.corp/")).unwrap();
        guard.admit("mirror2.corp", &[ip("10.1.2.4")]).unwrap();
        guard.admit("cdn.example", &[ip("151.101.1.1")]).unwrap();
        // A source's own host is never judged, and another source's host is judged by the
        // policy: public to the intranet mirror is refused before any request.
        guard.admit("mirror.corp", &[ip("10.1.2.3")]).unwrap();
        assert!(guard.judge(&public, &url("http://mirror.corp/x")).is_err());
        assert!(guard.judge(&public, &url("http://MIRROR.corp./x")).is_err());
    }

    /// An `.invalid` name fails in the resolver itself: no query is sent for it.
    #[tokio::test]
    async fn invalid_names_are_never_looked_up() {
        let resolver = Resolver(Arc::new(Guard::default()));
        let name: Name = "nowhere.invalid".parse().unwrap();
        let Err(e) = resolver.resolve(name).await else {
            panic!("an .invalid name resolved")
        };
        assert_eq!(
            e.to_string(),
            "nowhere.invalid never resolves (an .invalid name, RFC 6761)"
        );
    }
}
