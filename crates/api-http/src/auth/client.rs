//! Where a request comes from (the sign-in throttle's and the webhook limiter's address key,
//! session metadata).
//!
//! Behind proxies, the client's address is in `X-Forwarded-For` (or `Forwarded`), which every
//! hop APPENDS to: its left-most entries are whatever the client itself sent. So the address is
//! taken from the right: starting at the socket peer, while the address in hand is a trusted
//! proxy (`ATENDE_TRUSTED_PROXIES`), step one hop to the left; the first address that is not a
//! trusted proxy is the client. A peer that is not a trusted proxy is the client itself and its
//! headers are ignored.

use std::net::IpAddr;
use std::str::FromStr;

use actix_web::HttpRequest;
use actix_web::http::header;
use app::auth::ClientInfo;
use ipnet::IpNet;

use crate::state::HttpSettings;

/// The header the trusted proxies append the client's address to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, cloud load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

impl FromStr for ForwardedHeader {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            _ => Err("must be x-forwarded-for or forwarded".into()),
        }
    }
}

/// The address ranges of the proxies in front of Atende (empty: none, use the socket peer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of CIDRs (`10.0.0.0/8, 192.0.2.7/32, fd00::/8`); a bare
    /// address is a one-address range.
    ///
    /// # Errors
    /// A message naming the first entry that is neither (never the whole value).
    pub fn parse(list: &str) -> Result<Self, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("entry {entry:?} is not a CIDR like 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether no proxy is trusted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// One `X-Forwarded-For` entry, or one `for=` of a `Forwarded` element, as an address
/// (`None` for `unknown`, obfuscated names and garbage).
fn hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim().trim_matches('"');
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    // `[2001:db8::1]:4711` or `[2001:db8::1]`.
    if let Some(rest) = entry.strip_prefix('[') {
        return rest
            .split(']')
            .next()
            .and_then(|ip| ip.parse::<IpAddr>().ok())
            .map(canonical);
    }
    // `192.0.2.60:8080`.
    entry
        .rsplit_once(':')
        .and_then(|(ip, port)| port.parse::<u16>().ok().and(ip.parse::<IpAddr>().ok()))
        .map(canonical)
}

/// The hops of the configured header, left (the client's claim) to right (the last proxy).
fn hops(req: &HttpRequest, header_kind: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let name = match header_kind {
        ForwardedHeader::XForwardedFor => "x-forwarded-for",
        ForwardedHeader::Forwarded => "forwarded",
    };
    let mut out = Vec::new();
    // Several header lines are one list, in order (RFC 9110 §5.3).
    for value in req.headers().get_all(name) {
        let Ok(value) = value.to_str() else {
            out.push(None);
            continue;
        };
        for element in value.split(',') {
            out.push(match header_kind {
                ForwardedHeader::XForwardedFor => hop(element),
                ForwardedHeader::Forwarded => element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| hop(v)),
            });
        }
    }
    out
}

/// The client's address: the right-most address not in a trusted range (see the module docs).
#[must_use]
pub fn client_ip(req: &HttpRequest, settings: &HttpSettings) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    if !settings.trusted_proxies.contains(peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in hops(req, settings.forwarded_header).into_iter().rev() {
        match hop {
            // A hop a trusted proxy could not name: the proxy's own address stands.
            None => return Some(client),
            Some(ip) if settings.trusted_proxies.contains(ip) => client = ip,
            Some(ip) => return Some(ip),
        }
    }
    // Every hop is a trusted proxy (an internal call): the left-most of them.
    Some(client)
}

/// The client's address and `User-Agent`.
#[must_use]
pub fn info(req: &HttpRequest, settings: &HttpSettings) -> ClientInfo {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ClientInfo {
        ip: client_ip(req, settings).map(|ip| ip.to_string()),
        user_agent,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use actix_web::test::TestRequest;

    fn settings(proxies: &str, header_kind: ForwardedHeader) -> HttpSettings {
        HttpSettings {
            trusted_proxies: TrustedProxies::parse(proxies).unwrap(),
            forwarded_header: header_kind,
            ..HttpSettings::default()
        }
    }

    fn from(peer: &str, headers: &[(&str, &str)]) -> HttpRequest {
        let socket = if peer.contains(':') {
            format!("[{peer}]:4000")
        } else {
            format!("{peer}:4000")
        };
        let mut r = TestRequest::post().peer_addr(socket.parse().unwrap());
        for (k, v) in headers {
            r = r.append_header((*k, *v));
        }
        r.to_http_request()
    }

    fn ip(req: &HttpRequest, s: &HttpSettings) -> String {
        client_ip(req, s).unwrap().to_string()
    }

    #[test]
    fn the_left_most_hop_is_the_clients_claim_and_never_trusted() {
        let s = settings("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        // The client claims 1.2.3.4; the proxy 10.0.0.5 appended what it saw, 203.0.113.9.
        let req = from("10.0.0.5", &[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(ip(&req, &s), "203.0.113.9");
        // Two trusted hops: the chain is walked to the first untrusted address.
        let req = from(
            "10.0.0.5",
            &[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.1.1.1")],
        );
        assert_eq!(ip(&req, &s), "203.0.113.9");
        // Header lines are one list.
        let req = from(
            "10.0.0.5",
            &[
                ("x-forwarded-for", "1.2.3.4"),
                ("x-forwarded-for", "198.51.100.2"),
            ],
        );
        assert_eq!(ip(&req, &s), "198.51.100.2");
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let s = settings("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        let req = from("203.0.113.9", &[("x-forwarded-for", "10.0.0.7")]);
        assert_eq!(ip(&req, &s), "203.0.113.9");
        let none = HttpSettings::default();
        let req = from("10.0.0.5", &[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(ip(&req, &none), "10.0.0.5", "no trusted proxy: the peer");
    }

    #[test]
    fn garbage_and_all_trusted_chains_fall_back_to_a_proxy_address() {
        let s = settings("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        let req = from("10.0.0.5", &[("x-forwarded-for", "1.2.3.4, not-an-ip")]);
        assert_eq!(ip(&req, &s), "10.0.0.5");
        let req = from("10.0.0.5", &[("x-forwarded-for", "10.9.9.9, 10.0.0.1")]);
        assert_eq!(ip(&req, &s), "10.9.9.9");
        let req = from("10.0.0.5", &[]);
        assert_eq!(ip(&req, &s), "10.0.0.5");
    }

    #[test]
    fn the_forwarded_header_with_ports_brackets_and_mapped_addresses() {
        let s = settings("10.0.0.0/8, 2001:db8::/32", ForwardedHeader::Forwarded);
        let req = from(
            "2001:db8::1",
            &[(
                "forwarded",
                r#"for=1.2.3.4;proto=https, for="[2001:db8:cafe::17]:4711", For="198.51.100.7:80";by=10.0.0.1"#,
            )],
        );
        assert_eq!(ip(&req, &s), "198.51.100.7");
        // X-Forwarded-For is ignored when the proxies write Forwarded (an attacker could send it).
        let req = from(
            "10.0.0.5",
            &[
                ("x-forwarded-for", "6.6.6.6"),
                ("forwarded", "for=192.0.2.44"),
            ],
        );
        assert_eq!(ip(&req, &s), "192.0.2.44");
        let s = settings("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        let req = from(
            "::ffff:10.0.0.5",
            &[("x-forwarded-for", "::ffff:192.0.2.1")],
        );
        assert_eq!(ip(&req, &s), "192.0.2.1");
    }

    #[test]
    fn cidr_lists_parse_and_errors_name_the_entry() {
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert_eq!(
            TrustedProxies::parse(" 10.0.0.0/8 ,192.0.2.7, fd00::/8 ")
                .unwrap()
                .0
                .len(),
            3
        );
        let err = TrustedProxies::parse("10.0.0.0/8, nope").unwrap_err();
        assert!(err.contains("\"nope\""), "{err}");
        assert!("Forwarded".parse::<ForwardedHeader>().is_ok());
        assert!("x-real-ip".parse::<ForwardedHeader>().is_err());
    }
}
