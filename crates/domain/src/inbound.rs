//! Messages arriving from a channel (through the n8n relay or Meta directly), normalised.

use crate::conversations::{ContentType, DeliveryStatus, Direction, InteractionSource};
use crate::phone::Phone;
use crate::{Channel, ClientId, ConversationId, InteractionId};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// Longest provider message id (`interactions.external_id`), in characters.
pub const MAX_PROVIDER_ID_CHARS: usize = 256;
/// Longest channel id of a sender (`client_identities.external_id`), in characters.
pub const MAX_SENDER_ID_CHARS: usize = 200;
/// Longest media URL, in characters.
pub const MAX_MEDIA_URL_CHARS: usize = 2048;

/// How far ahead of Atende's clock an inbound timestamp may be (the sender's clock may run a
/// little fast). A later `occurred_at` is clamped to now + this, so a far-future timestamp can
/// neither pin a thread to the top of the inbox nor keep WhatsApp's 24-hour window open.
#[must_use]
pub fn max_clock_skew() -> Duration {
    Duration::minutes(5)
}

/// Whether `id` can be stored as a provider id (a message id of Meta or of a relay, a status
/// callback's `message_id`): 1 to [`MAX_PROVIDER_ID_CHARS`] visible characters (no whitespace,
/// no control characters such as NUL).
#[must_use]
pub fn is_valid_provider_id(id: &str) -> bool {
    visible(id, MAX_PROVIDER_ID_CHARS)
}

/// Whether `id` can be stored as a sender's channel id: 1 to [`MAX_SENDER_ID_CHARS`] visible
/// characters.
#[must_use]
pub fn is_valid_sender_id(id: &str) -> bool {
    visible(id, MAX_SENDER_ID_CHARS)
}

fn visible(id: &str, max: usize) -> bool {
    let mut n = 0;
    for c in id.chars() {
        if c.is_whitespace() || c.is_control() {
            return false;
        }
        n += 1;
    }
    (1..=max).contains(&n)
}

/// Whether `url` is an absolute `https://` URL with a host, at most [`MAX_MEDIA_URL_CHARS`]
/// characters, without whitespace or control characters (so never `javascript:`, `data:` or
/// `http:`).
#[must_use]
pub fn is_https_url(url: &str) -> bool {
    let Some(scheme) = url.get(..8) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("https://") || url.chars().count() > MAX_MEDIA_URL_CHARS {
        return false;
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let rest = &url[8..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    !host.is_empty() && !host.starts_with(':')
}

/// Who wrote to the clinic (for an Instagram echo: the patient the clinic wrote to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// The canonical channel id (`client_identities.external_id`): WhatsApp digits with the ninth
    /// digit or a business-scoped `CC.…` id; the Instagram-scoped id.
    pub external_id: String,
    /// Other ids of the same person on this channel (a WhatsApp BSUID next to the phone).
    pub other_ids: Vec<String>,
    /// The phone, when the channel tells it.
    pub phone: Option<Phone>,
    /// The profile name.
    pub name: Option<String>,
    /// The Instagram username.
    pub username: Option<String>,
}

/// A normalised message to store.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// The channel.
    pub channel: Channel,
    /// The provider's message id (stored once per clinic and channel).
    pub provider_message_id: String,
    /// The patient.
    pub sender: Sender,
    /// Inbound, or outbound for a message the clinic sent from the provider's own app (echo).
    pub direction: Direction,
    /// What it carries.
    pub content_type: ContentType,
    /// A readable text (the message, a caption, "📍 location", the chosen button…).
    pub text: Option<String>,
    /// Media descriptor.
    pub media: Option<serde_json::Value>,
    /// Provider-specific extras.
    pub metadata: serde_json::Value,
    /// When the provider says it happened.
    pub occurred_at: DateTime<Utc>,
    /// `webhook` (relay), `meta`, or `provider_app` (echo).
    pub source: InteractionSource,
}

impl InboundMessage {
    /// The message as it is stored: NUL characters (which PostgreSQL cannot store in `text` or
    /// `jsonb`) removed from the text, the sender's name and username, the media descriptor and
    /// the metadata; `occurred_at` clamped to `now` + [`max_clock_skew`]. What was changed is
    /// noted in `metadata.sanitized` (`nul_removed_from`, `occurred_at_received`), so a delivery
    /// is never refused for it (a refused delivery is retried forever by its sender).
    #[must_use]
    pub fn sanitized(mut self, now: DateTime<Utc>) -> Self {
        let mut cleaned: Vec<&'static str> = Vec::new();
        let mut strip = |field: &'static str, text: &mut Option<String>| {
            if let Some(t) = text
                && t.contains('\0')
            {
                t.retain(|c| c != '\0');
                cleaned.push(field);
                if t.is_empty() {
                    *text = None;
                }
            }
        };
        strip("text", &mut self.text);
        strip("sender.name", &mut self.sender.name);
        strip("sender.username", &mut self.sender.username);
        if let Some(media) = &mut self.media
            && strip_json(media)
        {
            cleaned.push("media");
        }
        if strip_json(&mut self.metadata) {
            cleaned.push("metadata");
        }
        let latest = now + max_clock_skew();
        let received = (self.occurred_at > latest).then_some(self.occurred_at);
        if received.is_some() {
            self.occurred_at = latest;
        }
        if cleaned.is_empty() && received.is_none() {
            return self;
        }
        if !self.metadata.is_object() {
            let previous = std::mem::take(&mut self.metadata);
            self.metadata = serde_json::json!({ "original": previous });
        }
        let mut note = serde_json::Map::new();
        if !cleaned.is_empty() {
            note.insert("nul_removed_from".into(), serde_json::json!(cleaned));
        }
        if let Some(at) = received {
            note.insert(
                "occurred_at_received".into(),
                Value::String(at.to_rfc3339()),
            );
        }
        if let Some(map) = self.metadata.as_object_mut() {
            map.insert("sanitized".into(), Value::Object(note));
        }
        self
    }

    /// The status the message is stored with.
    #[must_use]
    pub fn initial_status(&self) -> DeliveryStatus {
        match self.direction {
            Direction::Inbound => DeliveryStatus::Received,
            Direction::Outbound => DeliveryStatus::Sent,
        }
    }
}

/// Removes NUL characters from every string and key of `value`; whether any was found.
pub fn strip_json(value: &mut Value) -> bool {
    match value {
        Value::String(s) if s.contains('\0') => {
            s.retain(|c| c != '\0');
            true
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |found, v| strip_json(v) | found),
        Value::Object(map) => {
            let mut found = false;
            if map.keys().any(|k| k.contains('\0')) {
                let old = std::mem::take(map);
                for (k, v) in old {
                    map.insert(k.replace('\0', ""), v);
                }
                found = true;
            }
            map.values_mut()
                .fold(found, |found, v| strip_json(v) | found)
        }
        _ => false,
    }
}

/// Where a stored (or already stored) message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingested {
    /// The message.
    pub interaction_id: InteractionId,
    /// Its thread.
    pub conversation_id: ConversationId,
    /// The patient (a new `lead` when the sender was unknown).
    pub client_id: ClientId,
    /// The provider id had already been stored: nothing changed.
    pub duplicate: bool,
}

/// A delivery-status report for an outbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusReport {
    /// Atende's id of the message, when the reporter knows it.
    pub interaction_id: Option<InteractionId>,
    /// The provider's message id.
    pub provider_message_id: Option<String>,
    /// The new status.
    pub status: DeliveryStatus,
    /// The error (`{code, title}`) of a failure.
    pub error: Option<serde_json::Value>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl StatusReport {
    /// The report with `at` clamped to `now` + [`max_clock_skew`] (a status from the future
    /// would otherwise outrank every later one).
    #[must_use]
    pub fn clamped(mut self, now: DateTime<Utc>) -> Self {
        self.at = self.at.min(now + max_clock_skew());
        self
    }
}

/// What a status report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusApplied {
    /// The status moved forward.
    Advanced(InteractionId),
    /// Late, repeated or backwards: nothing changed.
    Ignored(InteractionId),
    /// No such message in this clinic.
    NotFound,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::conversations::ContentType;
    use chrono::TimeZone;

    fn message() -> InboundMessage {
        InboundMessage {
            channel: Channel::Whatsapp,
            provider_message_id: "wamid.1".into(),
            sender: Sender {
                external_id: "5511987654321".into(),
                other_ids: Vec::new(),
                phone: None,
                name: Some("A\0na".into()),
                username: None,
            },
            direction: Direction::Inbound,
            content_type: ContentType::Text,
            text: Some("Oi\0 tudo bem".into()),
            media: Some(serde_json::json!({"caption": "\0x"})),
            metadata: serde_json::json!({"context": {"k\0": ["\0"]}}),
            occurred_at: Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0).unwrap(),
            source: InteractionSource::Webhook,
        }
    }

    #[test]
    fn nul_characters_are_removed_everywhere_and_noted() {
        let now = Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0).unwrap();
        let m = message().sanitized(now);
        assert_eq!(m.text.as_deref(), Some("Oi tudo bem"));
        assert_eq!(m.sender.name.as_deref(), Some("Ana"));
        assert_eq!(m.media.as_ref().unwrap()["caption"], "x");
        assert_eq!(m.metadata["context"]["k"][0], "");
        assert_eq!(
            m.metadata["sanitized"]["nul_removed_from"],
            serde_json::json!(["text", "sender.name", "media", "metadata"])
        );
        assert!(!m.metadata.to_string().contains("\\u0000"));
        assert_eq!(m.occurred_at, now, "a timestamp within the skew is kept");
        let clean = InboundMessage {
            text: Some("ok".into()),
            sender: Sender {
                name: None,
                ..message().sender
            },
            media: None,
            metadata: serde_json::json!({}),
            ..message()
        };
        assert_eq!(clean.clone().sanitized(now), clean, "nothing to note");
    }

    #[test]
    fn a_future_timestamp_is_clamped_to_now_plus_the_skew() {
        let now = Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0).unwrap();
        let future = Utc.with_ymd_and_hms(2099, 1, 1, 0, 0, 0).unwrap();
        let m = InboundMessage {
            occurred_at: future,
            ..message()
        }
        .sanitized(now);
        assert_eq!(m.occurred_at, now + max_clock_skew());
        assert_eq!(
            m.metadata["sanitized"]["occurred_at_received"],
            future.to_rfc3339()
        );
        let report = StatusReport {
            interaction_id: None,
            provider_message_id: Some("x".into()),
            status: DeliveryStatus::Read,
            error: None,
            at: future,
        };
        assert_eq!(report.clamped(now).at, now + max_clock_skew());
    }

    #[test]
    fn provider_ids_are_visible_characters_of_bounded_length() {
        assert!(is_valid_provider_id(
            "wamid.HBgMNTUxMTk4NzY1NDMyMRUCABIYFjNFQjA="
        ));
        for bad in ["", "a b", "x\0", "tab\t", &"x".repeat(257)] {
            assert!(!is_valid_provider_id(bad), "{bad:?}");
        }
        assert!(is_valid_provider_id(&"x".repeat(256)));
        assert!(is_valid_sender_id("IGSID-123"));
        assert!(!is_valid_sender_id(&"9".repeat(201)));
    }

    #[test]
    fn media_urls_must_be_https_with_a_host() {
        for ok in [
            "https://cdn.example.com/a.jpg",
            "HTTPS://x.y/z?q=1",
            "https://u@h.io/",
        ] {
            assert!(is_https_url(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "http://cdn.example.com/a.jpg",
            "data:image/png;base64,AAAA",
            "https://",
            "https:///path",
            "https://host/a b",
            "https://host/\0",
            "//host/a.jpg",
        ] {
            assert!(!is_https_url(bad), "{bad}");
        }
    }
}
