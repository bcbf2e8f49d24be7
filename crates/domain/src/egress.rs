//! Where Atende may connect on a clinic's behalf (its n8n relay, its OpenAI-compatible server):
//! the egress policy that keeps a clinic admin from pointing those URLs at Atende's own network
//! (SSRF). Pure: the HTTP adapters apply it to every address a name resolves to, at connection
//! time (so DNS rebinding cannot bypass a check made earlier), and to IP literals before a
//! request is sent.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A block of addresses (`10.0.0.0/8`, `fd00::/8`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`, `x::y/n` or a single address (a full-length prefix).
    ///
    /// # Errors
    /// When it is not an address with an optional prefix of the address's length at most.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{text}` is not an address or CIDR"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{text}` has an invalid prefix length"))?,
        };
        Ok(Self { network, prefix })
    }

    /// Whether `ip` is in the block (an IPv4-mapped IPv6 address counts as its IPv4 one).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Why an address is not a public one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restricted {
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// `10/8`, `172.16/12`, `192.168/16`, `fc00::/7`, `fec0::/10`.
    Private,
    /// `169.254/16`, `fe80::/10`.
    LinkLocal,
    /// Carrier-grade NAT, `100.64/10`.
    SharedAddressSpace,
    /// Cloud metadata endpoints (`169.254.169.254`, `fd00:ec2::254`, `100.100.100.200`):
    /// never allowed.
    Metadata,
    /// `0.0.0.0/8`, `::`: never allowed.
    Unspecified,
    /// Multicast and broadcast: never allowed.
    Multicast,
    /// Reserved, documentation and benchmarking ranges.
    Reserved,
}

impl Restricted {
    /// Whether no setting can allow it.
    #[must_use]
    pub fn is_never_allowed(self) -> bool {
        matches!(self, Self::Metadata | Self::Unspecified | Self::Multicast)
    }

    /// A short name for messages.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::LinkLocal => "link-local",
            Self::SharedAddressSpace => "shared (CGNAT)",
            Self::Metadata => "cloud metadata",
            Self::Unspecified => "unspecified",
            Self::Multicast => "multicast or broadcast",
            Self::Reserved => "reserved",
        }
    }
}

/// The IPv4 address an IPv6 one stands for (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`,
/// 6to4 `2002::/16`), else the address itself.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return IpAddr::V4(Ipv4Addr::from(u128::from(v6) as u32));
            }
            if s[0] == 0x2002 {
                let [a, b] = s[1].to_be_bytes();
                let [c, d] = s[2].to_be_bytes();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            ip
        }
        IpAddr::V4(_) => ip,
    }
}

/// Why `ip` is not a public address, if it is not.
#[must_use]
pub fn restricted(ip: IpAddr) -> Option<Restricted> {
    match canonical(ip) {
        IpAddr::V4(v4) => restricted_v4(v4),
        IpAddr::V6(v6) => restricted_v6(v6),
    }
}

fn restricted_v4(ip: Ipv4Addr) -> Option<Restricted> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b) {
        _ if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) => {
            Restricted::Metadata
        }
        (0, _) => Restricted::Unspecified,
        (127, _) => Restricted::Loopback,
        (10, _) | (172, 16..=31) | (192, 168) => Restricted::Private,
        (169, 254) => Restricted::LinkLocal,
        (100, 64..=127) => Restricted::SharedAddressSpace,
        (224..=239, _) => Restricted::Multicast,
        _ if ip.is_broadcast() => Restricted::Multicast,
        (240..=255, _) | (198, 18..=19) => Restricted::Reserved,
        (192, 0) if c == 0 || c == 2 => Restricted::Reserved,
        (198, 51) if c == 100 => Restricted::Reserved,
        (203, 0) if c == 113 => Restricted::Reserved,
        _ => return None,
    })
}

fn restricted_v6(ip: Ipv6Addr) -> Option<Restricted> {
    let s = ip.segments();
    Some(match s[0] {
        _ if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) => Restricted::Metadata,
        _ if ip.is_unspecified() => Restricted::Unspecified,
        _ if ip.is_loopback() => Restricted::Loopback,
        0xff00..=0xffff => Restricted::Multicast,
        0xfe80..=0xfebf => Restricted::LinkLocal,
        0xfec0..=0xfeff | 0xfc00..=0xfdff => Restricted::Private,
        // IPv4-compatible (deprecated) and the documentation prefix.
        0 if s[1..6] == [0, 0, 0, 0, 0] => Restricted::Reserved,
        0x2001 if s[1] == 0xdb8 => Restricted::Reserved,
        _ => return None,
    })
}

/// Whether restricted addresses other than the never-allowed ones may be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EgressMode {
    /// `ATENDE_ENV=production`: only public addresses, and the operator's allowed blocks.
    Production,
    /// Development and tests: loopback and private networks too (local fakes, a local n8n).
    Development,
}

/// The egress policy: its mode and the blocks the operator allows anyway
/// (`ATENDE_OUTBOUND_ALLOW_CIDRS`, e.g. a self-hosted n8n on a private network).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EgressPolicy {
    mode: EgressMode,
    allow: Vec<Cidr>,
}

/// A connection the policy refuses. Its text names the kind of address, never the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub Restricted);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "outbound target refused: it resolves to a {} address",
            self.0.as_str()
        )
    }
}

impl std::error::Error for Refused {}

impl EgressPolicy {
    /// Production: public addresses, plus `allow`.
    #[must_use]
    pub fn production(allow: Vec<Cidr>) -> Self {
        Self {
            mode: EgressMode::Production,
            allow,
        }
    }

    /// Development and tests: anything but the never-allowed ranges.
    #[must_use]
    pub fn development() -> Self {
        Self {
            mode: EgressMode::Development,
            allow: Vec::new(),
        }
    }

    /// The mode.
    #[must_use]
    pub fn mode(&self) -> EgressMode {
        self.mode
    }

    /// The blocks allowed anyway.
    #[must_use]
    pub fn allowed(&self) -> &[Cidr] {
        &self.allow
    }

    /// Whether a connection to `ip` is allowed.
    ///
    /// # Errors
    /// [`Refused`] with the kind of address.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refused> {
        let Some(kind) = restricted(ip) else {
            return Ok(());
        };
        if kind.is_never_allowed() {
            return Err(Refused(kind));
        }
        match self.mode {
            EgressMode::Development => Ok(()),
            EgressMode::Production if self.allow.iter().any(|c| c.contains(ip)) => Ok(()),
            EgressMode::Production => Err(Refused(kind)),
        }
    }
}

impl Default for EgressPolicy {
    /// The strict one: production with nothing allowed.
    fn default() -> Self {
        Self::production(Vec::new())
    }
}

/// Host names that only ever name cloud metadata services.
const METADATA_HOSTS: [&str; 4] = [
    "metadata.google.internal",
    "metadata.goog",
    "metadata.azure.internal",
    "instance-data.ec2.internal",
];

/// Why `url` (an `http(s)` URL a clinic admin configures) can never be a valid outbound target
/// in any mode, if so: a host that is an IP literal in a never-allowed range (metadata,
/// unspecified, multicast), a link-local address, an IPv4 address written in a non-dotted or
/// non-decimal form (`2130706433`, `0x7f.1`, `127.1`), or a cloud metadata host name. Checked when
/// an integration is saved; everything else is checked when connecting.
#[must_use]
pub fn never_valid_url(url: &str) -> Option<&'static str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if METADATA_HOSTS.contains(&host.as_str()) {
        return Some("must not name a cloud metadata service");
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return match restricted(ip) {
            Some(kind) if kind.is_never_allowed() || kind == Restricted::LinkLocal => {
                Some("must not be a link-local, metadata, unspecified or multicast address")
            }
            _ => None,
        };
    }
    let numeric = !host.is_empty()
        && host.split('.').all(|part| {
            !part.is_empty() && part.chars().all(|c| c.is_ascii_hexdigit() || c == 'x')
        })
        && host.chars().next().is_some_and(|c| c.is_ascii_digit());
    if numeric {
        return Some("must name the host, or an IP address in plain dotted form");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_are_classified_including_ipv6_forms_of_ipv4_ones() {
        for (addr, kind) in [
            ("127.0.0.1", Some(Restricted::Loopback)),
            ("127.255.0.9", Some(Restricted::Loopback)),
            ("::1", Some(Restricted::Loopback)),
            ("::ffff:127.0.0.1", Some(Restricted::Loopback)),
            ("64:ff9b::7f00:1", Some(Restricted::Loopback)),
            ("2002:7f00:1::1", Some(Restricted::Loopback)),
            ("10.1.2.3", Some(Restricted::Private)),
            ("172.16.0.1", Some(Restricted::Private)),
            ("172.31.255.255", Some(Restricted::Private)),
            ("192.168.1.1", Some(Restricted::Private)),
            ("fd12:3456::1", Some(Restricted::Private)),
            ("169.254.10.10", Some(Restricted::LinkLocal)),
            ("fe80::1", Some(Restricted::LinkLocal)),
            ("100.64.0.1", Some(Restricted::SharedAddressSpace)),
            ("169.254.169.254", Some(Restricted::Metadata)),
            ("::ffff:169.254.169.254", Some(Restricted::Metadata)),
            ("fd00:ec2::254", Some(Restricted::Metadata)),
            ("100.100.100.200", Some(Restricted::Metadata)),
            ("0.0.0.0", Some(Restricted::Unspecified)),
            ("::", Some(Restricted::Unspecified)),
            ("224.0.0.1", Some(Restricted::Multicast)),
            ("255.255.255.255", Some(Restricted::Multicast)),
            ("ff02::1", Some(Restricted::Multicast)),
            ("240.0.0.1", Some(Restricted::Reserved)),
            ("192.0.2.1", Some(Restricted::Reserved)),
            ("2001:db8::1", Some(Restricted::Reserved)),
            ("8.8.8.8", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("2606:4700::1111", None),
            ("::ffff:8.8.8.8", None),
        ] {
            assert_eq!(restricted(ip(addr)), kind, "{addr}");
        }
    }

    #[test]
    fn production_refuses_restricted_ranges_unless_allowed_and_never_metadata() {
        let strict = EgressPolicy::default();
        assert_eq!(strict.mode(), EgressMode::Production);
        assert!(strict.check(ip("93.184.216.34")).is_ok());
        for addr in [
            "127.0.0.1",
            "10.0.0.5",
            "::ffff:10.0.0.5",
            "169.254.169.254",
            "100.64.1.1",
        ] {
            assert!(strict.check(ip(addr)).is_err(), "{addr}");
        }
        let allowing = EgressPolicy::production(vec![
            Cidr::parse("10.20.0.0/16").unwrap(),
            Cidr::parse("169.254.0.0/16").unwrap(),
        ]);
        assert!(allowing.check(ip("10.20.3.4")).is_ok());
        assert!(allowing.check(ip("::ffff:10.20.3.4")).is_ok());
        assert!(allowing.check(ip("10.21.0.1")).is_err());
        assert!(allowing.check(ip("169.254.1.1")).is_ok());
        assert_eq!(
            allowing.check(ip("169.254.169.254")),
            Err(Refused(Restricted::Metadata)),
            "metadata is never allowed"
        );
        let dev = EgressPolicy::development();
        assert!(dev.check(ip("127.0.0.1")).is_ok());
        assert!(dev.check(ip("192.168.0.10")).is_ok());
        assert!(dev.check(ip("0.0.0.0")).is_err());
        assert!(dev.check(ip("169.254.169.254")).is_err());
        let refusal = strict.check(ip("10.0.0.5")).unwrap_err().to_string();
        assert!(
            refusal.contains("private") && !refusal.contains("10.0.0.5"),
            "{refusal}"
        );
    }

    #[test]
    fn cidrs_parse_and_contain() {
        let c = Cidr::parse(" 192.168.10.0/24 ").unwrap();
        assert!(c.contains(ip("192.168.10.200")));
        assert!(!c.contains(ip("192.168.11.1")));
        assert_eq!(c.to_string(), "192.168.10.0/24");
        assert!(Cidr::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(Cidr::parse("10.0.0.7").unwrap().contains(ip("10.0.0.7")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("10.0.0.7")));
        for bad in [
            "10.0.0.0/33",
            "fd00::/129",
            "n8n.local/24",
            "10.0.0.0/x",
            "",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn never_valid_urls() {
        for bad in [
            "https://169.254.169.254/latest/meta-data",
            "http://[fd00:ec2::254]/",
            "https://metadata.google.internal/computeMetadata/v1",
            "https://0.0.0.0:5678/webhook",
            "https://[::]/x",
            "https://169.254.10.1/",
            "https://[fe80::1]/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://127.1/",
            "http://0177.0.0.1/",
            "https://user@169.254.169.254/",
        ] {
            assert!(never_valid_url(bad).is_some(), "{bad}");
        }
        for ok in [
            "https://n8n.clinic.test/webhook/x",
            "http://127.0.0.1:5678/webhook",
            "http://localhost:5678/webhook",
            "https://10.0.0.5/webhook",
            "https://[2606:4700::1111]/v1",
            "https://api.openai.com/v1",
            "https://1password.example/x",
            "https://123.example.com/",
        ] {
            assert_eq!(never_valid_url(ok), None, "{ok}");
        }
    }
}
