//! Turning n8n's answer (or the transport error) into a [`DispatchResult`].
//!
//! Error strings never carry secrets, the URL or the message text.

use domain::ports::dispatcher::DispatchResult;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::time::Duration;

/// The most of a response body that is read (the rest is ignored).
const MAX_BODY_BYTES: usize = 64 * 1024;
/// The most characters of n8n's own error message kept in a rejection.
const MAX_DETAIL_CHARS: usize = 200;

/// Classifies an HTTP answer. Redirects are never followed: a 3xx is a rejection, since it
/// almost always means a misconfigured outbound URL and retrying would not help.
pub(crate) async fn response(response: reqwest::Response) -> DispatchResult {
    let status = response.status().as_u16();
    let retry_after_secs = retry_after(response.headers());
    match status {
        200..=299 => DispatchResult::Sent {
            provider_message_id: message_id(&read_capped(response).await),
        },
        408 | 429 => DispatchResult::Retryable {
            error: format!("n8n answered {status}"),
            retry_after_secs,
        },
        300..=399 => DispatchResult::Rejected {
            status,
            error: format!("n8n answered {status} (redirects are not followed: check the URL)"),
        },
        400..=499 => {
            let error = match detail(&read_capped(response).await) {
                Some(detail) => format!("n8n answered {status}: {detail}"),
                None => format!("n8n answered {status}"),
            };
            DispatchResult::Rejected { status, error }
        }
        _ => DispatchResult::Retryable {
            error: format!("n8n answered {status}"),
            retry_after_secs,
        },
    }
}

/// Classifies a request that got no HTTP answer (a refusal by the egress policy is a rejection:
/// retrying would not help). `timeout` is the configured one, for the message.
pub(crate) fn transport_error(err: &reqwest::Error, timeout: Duration) -> DispatchResult {
    if let Some(refused) = infra_egress::refusal(err) {
        return DispatchResult::Rejected {
            status: 0,
            error: refused.to_string(),
        };
    }
    let error = if err.is_timeout() {
        format!("timed out after {}", human(timeout))
    } else if err.is_builder() {
        return DispatchResult::Rejected {
            status: 0,
            error: "invalid request (check the outbound URL)".to_owned(),
        };
    } else if err.is_connect() {
        if refused(err) {
            "connection refused"
        } else {
            "connection failed"
        }
        .to_owned()
    } else {
        "request failed".to_owned()
    };
    DispatchResult::Retryable {
        error,
        retry_after_secs: None,
    }
}

/// Whether an `io::ErrorKind::ConnectionRefused` is somewhere in the error's sources.
fn refused(err: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// `10s`, or `300ms` for durations that are not whole seconds.
fn human(timeout: Duration) -> String {
    if timeout.subsec_nanos() == 0 {
        format!("{}s", timeout.as_secs())
    } else {
        format!("{}ms", timeout.as_millis())
    }
}

/// `Retry-After` in delay-seconds form (the HTTP-date form is ignored).
fn retry_after(headers: &HeaderMap) -> Option<u64> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

/// Up to [`MAX_BODY_BYTES`] of the body; whatever was read when an error occurs.
async fn read_capped(mut response: reqwest::Response) -> Vec<u8> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_BODY_BYTES.saturating_sub(out.len());
        out.extend(chunk.iter().take(room));
        if out.len() >= MAX_BODY_BYTES {
            break;
        }
    }
    out
}

/// The JSON object of the body, or the first element when it is an array (n8n's "all
/// items" answer).
fn json_object(body: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice(body).ok()? {
        serde_json::Value::Object(map) => Some(map),
        serde_json::Value::Array(items) => match items.into_iter().next()? {
            serde_json::Value::Object(map) => Some(map),
            _ => None,
        },
        _ => None,
    }
}

/// A non-empty `message_id` (string or number) from a JSON answer.
fn message_id(body: &[u8]) -> Option<String> {
    let id = match json_object(body)?.remove("message_id")? {
        serde_json::Value::String(id) => id.trim().to_owned(),
        serde_json::Value::Number(id) => id.to_string(),
        _ => return None,
    };
    (!id.is_empty()).then_some(id)
}

/// n8n's `message` or `error` (string, or an object with a `message`), as one short line.
fn detail(body: &[u8]) -> Option<String> {
    let map = json_object(body)?;
    let text = ["message", "error"]
        .iter()
        .find_map(|key| match map.get(*key)? {
            serde_json::Value::String(text) => Some(text.as_str()),
            serde_json::Value::Object(inner) => inner.get("message")?.as_str(),
            _ => None,
        })?;
    let line = one_line(text);
    (!line.is_empty()).then_some(line)
}

/// Whitespace and control characters collapsed to single spaces, cut to
/// [`MAX_DETAIL_CHARS`] characters.
fn one_line(text: &str) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let joined = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.chars().take(MAX_DETAIL_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::{detail, human, message_id, one_line};
    use std::time::Duration;

    #[test]
    fn message_id_from_object_array_or_number() {
        assert_eq!(
            message_id(br#"{"message_id":"wamid.X"}"#).as_deref(),
            Some("wamid.X")
        );
        assert_eq!(
            message_id(br#"[{"message_id":"m1"}]"#).as_deref(),
            Some("m1")
        );
        assert_eq!(message_id(br#"{"message_id":42}"#).as_deref(), Some("42"));
        assert_eq!(message_id(br#"{"message_id":"  "}"#), None);
        assert_eq!(message_id(br#"{"message_id":null}"#), None);
        assert_eq!(message_id(b""), None);
        assert_eq!(message_id(b"Workflow was started"), None);
    }

    #[test]
    fn detail_reads_message_or_error() {
        assert_eq!(
            detail(br#"{"message":"invalid recipient"}"#).as_deref(),
            Some("invalid recipient")
        );
        assert_eq!(detail(br#"{"error":"bad"}"#).as_deref(), Some("bad"));
        assert_eq!(
            detail(br#"{"error":{"message":"nested"}}"#).as_deref(),
            Some("nested")
        );
        assert_eq!(detail(br#"{"code":1}"#), None);
        assert_eq!(detail(b"<html>oops</html>"), None);
    }

    #[test]
    fn one_line_collapses_and_truncates() {
        assert_eq!(one_line(" a\r\n\tb \u{0}c "), "a b c");
        let long = "é".repeat(500);
        assert_eq!(one_line(&long).chars().count(), 200);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_secs(10)), "10s");
        assert_eq!(human(Duration::from_millis(300)), "300ms");
    }
}
