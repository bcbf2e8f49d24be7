//! The n8n relay's payload: one message, or `{"account_id", "messages": [...]}` (up to 100).

use super::FieldIssue;
use super::text::{cut, label};
use chrono::{DateTime, TimeZone, Utc};
use domain::Channel;
use domain::clients::{InstagramUsername, WhatsappId};
use domain::conversations::{ContentType, Direction, InteractionSource};
use domain::inbound::{
    InboundMessage, Sender, is_https_url, is_valid_provider_id, is_valid_sender_id,
};
use domain::phone::{Phone, Region};
use serde::Deserialize;

/// Most messages in one delivery.
pub(crate) const MAX_BATCH: usize = 100;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RelayFrom {
    pub id: String,
    pub phone: Option<String>,
    pub name: Option<String>,
    pub username: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RelayMedia {
    pub url: String,
    pub mime_type: Option<String>,
    pub caption: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RelayMessage {
    pub message_id: String,
    pub from: RelayFrom,
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<String>,
    pub media: Option<RelayMedia>,
    pub timestamp: serde_json::Value,
}

/// Reads `timestamp`: RFC 3339, or unix seconds as a number or a numeric string.
pub(crate) fn parse_timestamp(v: &serde_json::Value) -> Option<DateTime<Utc>> {
    let secs = match v {
        serde_json::Value::Number(n) => n.as_i64(),
        serde_json::Value::String(s) => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return DateTime::parse_from_rfc3339(s)
                    .ok()
                    .map(|d| d.with_timezone(&Utc));
            }
        },
        _ => None,
    }?;
    // Plausible unix seconds only (2001..2286); milliseconds are refused rather than misread.
    (1_000_000_000..10_000_000_000)
        .contains(&secs)
        .then(|| Utc.timestamp_opt(secs, 0).single())
        .flatten()
}

fn content_type(kind: &str) -> Option<ContentType> {
    Some(match kind {
        "text" => ContentType::Text,
        "image" => ContentType::Image,
        "audio" => ContentType::Audio,
        "video" => ContentType::Video,
        "document" => ContentType::Document,
        "location" => ContentType::Location,
        "sticker" => ContentType::Sticker,
        "reaction" => ContentType::Reaction,
        "unknown" => ContentType::Unknown,
        _ => return None,
    })
}

/// Validates and normalises one relayed message; `path` prefixes field names (`messages[3].`).
pub(crate) fn normalize(
    channel: Channel,
    m: RelayMessage,
    path: &str,
) -> Result<InboundMessage, Vec<FieldIssue>> {
    let mut issues = Vec::new();
    let f = |name: &str| format!("{path}{name}");
    if !is_valid_provider_id(m.message_id.trim()) {
        issues.push(FieldIssue::new(
            f("message_id"),
            "must have 1 to 256 visible characters (no spaces or control characters)",
        ));
    }
    let kind = content_type(&m.kind);
    if kind.is_none() {
        issues.push(FieldIssue::new(
            f("type"),
            "must be text, image, audio, video, document, location, sticker, reaction or unknown",
        ));
    }
    let occurred_at = parse_timestamp(&m.timestamp);
    if occurred_at.is_none() {
        issues.push(FieldIssue::new(
            f("timestamp"),
            "must be RFC 3339 or unix seconds",
        ));
    }
    if m.text.as_ref().is_some_and(|t| t.chars().count() > 10_000) {
        issues.push(FieldIssue::new(
            f("text"),
            "must have at most 10000 characters",
        ));
    }
    if kind == Some(ContentType::Text) && m.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
        issues.push(FieldIssue::new(f("text"), "a text message needs text"));
    }
    if let Some(media) = &m.media
        && !is_https_url(&media.url)
    {
        issues.push(FieldIssue::new(
            f("media.url"),
            "must be an https:// URL of at most 2048 characters",
        ));
    }
    let phone = match m.from.phone.as_deref() {
        None => None,
        Some(raw) => match Phone::parse(raw, Region::BR) {
            Ok(p) => Some(p),
            Err(_) => {
                issues.push(FieldIssue::new(f("from.phone"), "not a valid phone number"));
                None
            }
        },
    };
    let username = match (channel, m.from.username.as_deref()) {
        (Channel::Instagram, Some(raw)) => match InstagramUsername::parse(raw) {
            Ok(u) => Some(u.as_str().to_owned()),
            Err(_) => {
                issues.push(FieldIssue::new(
                    f("from.username"),
                    "not a valid Instagram username",
                ));
                None
            }
        },
        (_, other) => other.map(|u| cut(u, 100)),
    };
    let (external_id, other_ids) = match channel {
        Channel::Whatsapp => match WhatsappId::parse(&m.from.id) {
            // A phone, when known, is the identity both spellings of the number share; a
            // business-scoped id is kept beside it.
            Ok(id) => match &phone {
                Some(p) if WhatsappId::from_phone(p) != id => (
                    WhatsappId::from_phone(p).as_str().to_owned(),
                    vec![id.as_str().to_owned()],
                ),
                _ => (id.as_str().to_owned(), Vec::new()),
            },
            Err(_) => {
                issues.push(FieldIssue::new(
                    f("from.id"),
                    "not a WhatsApp number or business-scoped id",
                ));
                (String::new(), Vec::new())
            }
        },
        _ => {
            let id = m.from.id.trim();
            if !is_valid_sender_id(id) {
                issues.push(FieldIssue::new(
                    f("from.id"),
                    "must have 1 to 200 visible characters (no spaces or control characters)",
                ));
            }
            (id.to_owned(), Vec::new())
        }
    };
    if !issues.is_empty() {
        return Err(issues);
    }
    // On WhatsApp a numeric id is the phone itself.
    let phone = phone.or_else(|| {
        (channel == Channel::Whatsapp && external_id.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Phone::parse(&format!("+{external_id}"), Region::BR).ok())
            .flatten()
    });
    let kind = kind.unwrap_or(ContentType::Unknown);
    let caption = m.media.as_ref().and_then(|x| x.caption.clone());
    let text = match m.text.filter(|t| !t.trim().is_empty()) {
        Some(t) => Some(t),
        None => Some(label(kind, caption.as_deref())).filter(|t| !t.is_empty()),
    };
    Ok(InboundMessage {
        channel,
        provider_message_id: m.message_id.trim().to_owned(),
        sender: Sender {
            external_id,
            other_ids,
            phone,
            name: m
                .from
                .name
                .map(|n| cut(n.trim(), 200))
                .filter(|n| !n.is_empty()),
            username,
        },
        direction: Direction::Inbound,
        content_type: kind,
        text,
        media: m.media.map(
            |x| serde_json::json!({"url": x.url, "mime_type": x.mime_type, "caption": x.caption}),
        ),
        metadata: serde_json::json!({}),
        occurred_at: occurred_at.unwrap_or_else(Utc::now),
        source: InteractionSource::Webhook,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn msg(json: serde_json::Value) -> RelayMessage {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn timestamps_accept_rfc3339_and_unix_seconds_only() {
        let t = Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0).unwrap();
        assert_eq!(
            parse_timestamp(&serde_json::json!("2026-05-04T09:00:00-03:00")),
            Some(t)
        );
        assert_eq!(parse_timestamp(&serde_json::json!(t.timestamp())), Some(t));
        assert_eq!(
            parse_timestamp(&serde_json::json!(t.timestamp().to_string())),
            Some(t)
        );
        assert_eq!(
            parse_timestamp(&serde_json::json!(t.timestamp_millis())),
            None
        );
        assert_eq!(parse_timestamp(&serde_json::json!("yesterday")), None);
    }

    #[test]
    fn a_whatsapp_number_without_the_ninth_digit_is_the_same_identity() {
        let m = msg(serde_json::json!({
            "message_id": "wamid.1", "from": {"id": "551187654321", "name": "Ana"},
            "type": "text", "text": "Oi", "timestamp": 1_780_000_000
        }));
        let n = normalize(Channel::Whatsapp, m, "").unwrap();
        assert_eq!(n.sender.external_id, "5511987654321");
        assert_eq!(n.sender.name.as_deref(), Some("Ana"));
    }

    #[test]
    fn a_business_scoped_id_with_a_phone_keeps_both() {
        let m = msg(serde_json::json!({
            "message_id": "wamid.2", "from": {"id": "BR.AbC123", "phone": "+55 11 98765-4321"},
            "type": "image", "media": {"url": "https://x/y.jpg", "caption": "exame"}, "timestamp": "1780000000"
        }));
        let n = normalize(Channel::Whatsapp, m, "").unwrap();
        assert_eq!(n.sender.external_id, "5511987654321");
        assert_eq!(n.sender.other_ids, ["BR.AbC123"]);
        assert_eq!(n.text.as_deref(), Some("[imagem] exame"));
        assert_eq!(n.content_type, ContentType::Image);
    }

    #[test]
    fn ids_that_cannot_be_stored_and_non_https_media_are_named() {
        let m = msg(serde_json::json!({
            "message_id": "wamid.\u{0}1", "from": {"id": "IGSID\u{0}"},
            "type": "image", "media": {"url": "javascript:alert(1)"}, "timestamp": 1_780_000_000
        }));
        let issues = normalize(Channel::Instagram, m, "").unwrap_err();
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["message_id", "media.url", "from.id"]);
        for url in ["http://cdn.test/a.jpg", "data:image/png;base64,AA", ""] {
            let m = msg(serde_json::json!({
                "message_id": "m1", "from": {"id": "IGSID1"},
                "type": "image", "media": {"url": url}, "timestamp": 1_780_000_000
            }));
            assert!(normalize(Channel::Instagram, m, "").is_err(), "{url}");
        }
        let m = msg(serde_json::json!({
            "message_id": "m".repeat(257), "from": {"id": "IGSID1"}, "type": "text", "text": "oi", "timestamp": 1_780_000_000
        }));
        assert!(normalize(Channel::Instagram, m, "").is_err());
    }

    #[test]
    fn every_bad_field_is_named() {
        let m = msg(serde_json::json!({
            "message_id": "", "from": {"id": "not a number", "phone": "12"},
            "type": "hologram", "timestamp": "soon"
        }));
        let issues = normalize(Channel::Whatsapp, m, "messages[0].").unwrap_err();
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        for f in [
            "messages[0].message_id",
            "messages[0].type",
            "messages[0].timestamp",
            "messages[0].from.phone",
            "messages[0].from.id",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }
}
