//! Outbound HTTP on a clinic's behalf under the egress policy
//! ([`domain::egress::EgressPolicy`]): the n8n relay and the OpenAI-compatible server are URLs a
//! clinic admin chooses, so every connection to them is checked where it is made.
//!
//! - [`client_builder`]: a `reqwest` client whose DNS resolver drops every address the policy
//!   refuses (and fails when none is left), so a name cannot be re-pointed at a private address
//!   after it was checked (DNS rebinding); no redirects are followed; no proxy is used.
//! - [`check_url`]: IP-literal hosts, which `reqwest` connects to without resolving, are checked
//!   before the request is sent.
//! - [`refusal`]: whether a `reqwest` error was the policy's refusal (not worth a retry).
//! - [`read_capped`]: a response body read up to a limit.

use std::net::SocketAddr;
use std::sync::Arc;

use domain::egress::{EgressPolicy, Refused};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A resolver returning only the addresses `policy` allows.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: Arc<EgressPolicy>,
}

impl GuardedResolver {
    /// A resolver under `policy`.
    #[must_use]
    pub fn new(policy: EgressPolicy) -> Self {
        Self {
            policy: Arc::new(policy),
        }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| match policy.check(addr.ip()) {
                    Ok(()) => true,
                    Err(r) => {
                        refused.get_or_insert(r);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                return Err(match refused {
                    Some(r) => Box::new(r) as BoxError,
                    None => "the host has no address".into(),
                });
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// A client builder under `policy`: its resolver refuses restricted addresses, it never follows
/// redirects and never uses a proxy. Add timeouts and build.
pub fn client_builder(policy: &EgressPolicy) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .dns_resolver(GuardedResolver::new(policy.clone()))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
}

/// Checks a URL whose host is an IP literal against `policy` (names are checked by the
/// resolver when connecting; an unparsable URL is left to the request builder to refuse).
///
/// # Errors
/// [`Refused`] when the literal address is not allowed.
pub fn check_url(policy: &EgressPolicy, url: &str) -> Result<(), Refused> {
    // The URL parser normalises IPv4 literals (`0x7f000001` → `127.0.0.1`) and brackets IPv6.
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Ok(());
    };
    let host = parsed.host_str().unwrap_or_default();
    match host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
    {
        Ok(ip) => policy.check(ip),
        Err(_) => Ok(()),
    }
}

/// The policy's refusal somewhere in `err`'s sources, if that is why the request failed.
#[must_use]
pub fn refusal(err: &reqwest::Error) -> Option<Refused> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(r) = cause.downcast_ref::<Refused>() {
            return Some(*r);
        }
        source = cause.source();
    }
    None
}

/// Why a capped read stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The body is longer than the cap (what was read is dropped).
    TooLarge,
    /// The connection failed while reading.
    Transport(reqwest::Error),
}

/// The response body, or [`ReadError::TooLarge`] as soon as it passes `max` bytes (the rest is
/// never read).
///
/// # Errors
/// [`ReadError`].
pub async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, ReadError> {
    if response
        .content_length()
        .is_some_and(|n| n > u64::try_from(max).unwrap_or(u64::MAX))
    {
        return Err(ReadError::TooLarge);
    }
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        if out.len() + chunk.len() > max {
            return Err(ReadError::TooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}
