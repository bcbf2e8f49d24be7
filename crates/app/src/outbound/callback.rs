//! `POST /webhooks/n8n/status`: n8n reports what happened to a reply.

use crate::inbound::{FieldIssue, Inbound, InboundError};
use chrono::{DateTime, TimeZone, Utc};
use domain::conversations::DeliveryStatus;
use domain::inbound::{StatusApplied, StatusReport, is_valid_provider_id};
use domain::{CompanyId, InteractionId};
use serde::Deserialize;
use serde_json::Value;

/// The callback body (authenticated before it is read here).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Callback {
    #[allow(dead_code)] // routed and authenticated by the caller
    account_id: String,
    interaction_id: Option<uuid::Uuid>,
    message_id: Option<String>,
    status: String,
    error: Option<CallbackError>,
    timestamp: Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallbackError {
    code: Value,
    title: String,
}

/// What a callback did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackOutcome {
    /// The status reported.
    pub status: DeliveryStatus,
    /// What applying it did (unknown ids are `NotFound`, not errors).
    pub applied: StatusApplied,
}

fn issue(field: &str, message: impl Into<String>) -> FieldIssue {
    FieldIssue {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// RFC 3339, or unix seconds as a number or a numeric string.
fn timestamp(v: &Value) -> Option<DateTime<Utc>> {
    let secs = match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|d| d.with_timezone(&Utc));
            }
        },
        _ => None,
    }?;
    // Plausible unix seconds only: milliseconds are refused rather than misread.
    (1_000_000_000..10_000_000_000)
        .contains(&secs)
        .then(|| Utc.timestamp_opt(secs, 0).single())
        .flatten()
}

fn report(body: &[u8]) -> Result<StatusReport, InboundError> {
    let c: Callback = serde_json::from_slice(body)
        .map_err(|e| InboundError::Invalid(vec![issue("", e.to_string())]))?;
    let mut issues = Vec::new();
    let status = match c.status.as_str() {
        "sent" => Some(DeliveryStatus::Sent),
        "delivered" => Some(DeliveryStatus::Delivered),
        "read" => Some(DeliveryStatus::Read),
        "failed" => Some(DeliveryStatus::Failed),
        _ => {
            issues.push(issue("status", "must be sent, delivered, read or failed"));
            None
        }
    };
    let message_id = c
        .message_id
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    if message_id
        .as_ref()
        .is_some_and(|m| !is_valid_provider_id(m))
    {
        issues.push(issue(
            "message_id",
            "must have 1 to 256 visible characters (no spaces or control characters)",
        ));
    }
    if c.interaction_id.is_none() && message_id.is_none() {
        issues.push(issue(
            "interaction_id",
            "interaction_id or message_id is required",
        ));
    }
    let at = timestamp(&c.timestamp);
    if at.is_none() {
        issues.push(issue("timestamp", "must be RFC 3339 or unix seconds"));
    }
    if let Some(e) = &c.error
        && (e.title.chars().count() > 500 || !(e.code.is_string() || e.code.is_number()))
    {
        issues.push(issue(
            "error",
            "must be {code: string or number, title: up to 500 characters}",
        ));
    }
    match (status, at) {
        (Some(status), Some(at)) if issues.is_empty() => Ok(StatusReport {
            interaction_id: c.interaction_id.map(InteractionId),
            provider_message_id: message_id,
            status,
            error: c
                .error
                .map(|e| serde_json::json!({"code": e.code, "title": e.title})),
            at,
        }),
        _ => Err(InboundError::Invalid(issues)),
    }
}

/// Applies an authenticated callback of `company` (authenticate it first with
/// [`Inbound::authenticate_relay`] and [`domain::integrations::Provider::N8n`]): statuses only
/// move forward, and a callback for an unknown message is reported, not an error.
///
/// # Errors
/// [`InboundError::Invalid`] for a body that is not a callback; [`InboundError::Unknown`] when
/// the store fails.
pub async fn status_callback(
    inbound: &Inbound,
    company: CompanyId,
    body: &[u8],
) -> Result<CallbackOutcome, InboundError> {
    let report = report(body)?;
    let status = report.status;
    let applied = inbound.apply_status(company, report).await?;
    Ok(CallbackOutcome { status, applied })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::outbound::testing::{clock_at, t0};
    use domain::ports::inbound::{MockInboundStore, MockSignatureVerifier};
    use domain::ports::integrations::MockIntegrationDirectory;
    use std::sync::Arc;

    fn inbound(store: MockInboundStore) -> Inbound {
        Inbound::new(
            Arc::new(MockIntegrationDirectory::new()),
            Arc::new(MockSignatureVerifier::new()),
            Arc::new(store),
            Arc::new(clock_at(t0())),
            None,
        )
    }

    #[tokio::test]
    async fn a_callback_becomes_a_status_report() {
        let id = InteractionId::new();
        let mut store = MockInboundStore::new();
        store
            .expect_apply_status()
            .withf(move |_, r| {
                r.interaction_id == Some(id)
                    && r.provider_message_id.as_deref() == Some("wamid.9")
                    && r.status == DeliveryStatus::Failed
                    && r.error
                        == Some(
                            serde_json::json!({"code": 131047, "title": "Re-engagement message"}),
                        )
                    && r.at == t0()
            })
            .times(1)
            .returning(|_, _| Ok(StatusApplied::NotFound));
        let body = serde_json::json!({
            "account_id": "n8n-main", "interaction_id": id, "message_id": "wamid.9", "status": "failed",
            "error": {"code": 131047, "title": "Re-engagement message"}, "timestamp": t0().timestamp()
        });
        let out = status_callback(
            &inbound(store),
            CompanyId::new(),
            body.to_string().as_bytes(),
        )
        .await
        .unwrap();
        assert_eq!(out.applied, StatusApplied::NotFound);
        assert_eq!(out.status, DeliveryStatus::Failed);
    }

    #[tokio::test]
    async fn bad_callbacks_name_their_fields_and_store_nothing() {
        let mut store = MockInboundStore::new();
        store.expect_apply_status().never();
        let uc = inbound(store);
        let body = serde_json::json!({"account_id": "a", "status": "queued", "timestamp": "soon"});
        let Err(InboundError::Invalid(issues)) =
            status_callback(&uc, CompanyId::new(), body.to_string().as_bytes()).await
        else {
            panic!("expected invalid");
        };
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["status", "interaction_id", "timestamp"]);
        let body = serde_json::json!({"account_id": "a", "message_id": "m", "status": "read", "timestamp": 1, "extra": 1});
        assert!(matches!(
            status_callback(&uc, CompanyId::new(), body.to_string().as_bytes()).await,
            Err(InboundError::Invalid(_))
        ));
    }

    #[test]
    fn timestamps_are_rfc3339_or_unix_seconds() {
        assert_eq!(timestamp(&serde_json::json!(t0().timestamp())), Some(t0()));
        assert_eq!(
            timestamp(&serde_json::json!("2026-06-01T12:00:00-03:00")),
            Some(t0())
        );
        assert_eq!(timestamp(&serde_json::json!(t0().timestamp_millis())), None);
    }
}
