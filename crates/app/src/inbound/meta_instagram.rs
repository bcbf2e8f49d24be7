//! Instagram messaging webhooks (`object: instagram`): `messaging[]` and `standby[]`, echoes (sent
//! from the Instagram app: stored as outbound) and unsent messages.

use super::text::{cut, label};
use chrono::{DateTime, TimeZone, Utc};
use domain::Channel;
use domain::conversations::{ContentType, Direction, InteractionSource};
use domain::inbound::{
    InboundMessage, Sender, is_https_url, is_valid_provider_id, is_valid_sender_id,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub(crate) struct Envelope {
    pub object: String,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Entry {
    pub id: String,
    #[serde(default)]
    pub messaging: Vec<Value>,
    #[serde(default)]
    pub standby: Vec<Value>,
}

/// What one Instagram account received.
#[derive(Debug, Default)]
pub(crate) struct AccountBatch {
    pub account_id: String,
    pub messages: Vec<InboundMessage>,
    /// Provider ids of messages the patient unsent.
    pub unsent: Vec<(String, DateTime<Utc>)>,
    pub skipped: usize,
    /// Events refused for an id that cannot be stored.
    pub invalid: usize,
}

fn millis(v: Option<&Value>) -> DateTime<Utc> {
    v.and_then(Value::as_i64)
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
        .unwrap_or_else(Utc::now)
}

/// Groups a delivery by account.
pub(crate) fn parse(envelope: Envelope) -> Vec<AccountBatch> {
    let mut out: Vec<AccountBatch> = Vec::new();
    for entry in envelope.entry {
        let idx = match out.iter().position(|b| b.account_id == entry.id) {
            Some(i) => i,
            None => {
                out.push(AccountBatch {
                    account_id: entry.id.clone(),
                    ..AccountBatch::default()
                });
                out.len() - 1
            }
        };
        let batch = &mut out[idx];
        for event in entry.messaging.iter().chain(entry.standby.iter()) {
            let Some(msg) = event.get("message") else {
                // read receipts, reactions, postbacks: not messages.
                batch.skipped += 1;
                continue;
            };
            let at = millis(event.get("timestamp"));
            let Some(mid) = msg.get("mid").and_then(Value::as_str) else {
                batch.skipped += 1;
                continue;
            };
            if !is_valid_provider_id(mid) {
                batch.invalid += 1;
                continue;
            }
            if msg.get("is_deleted").and_then(Value::as_bool) == Some(true) {
                batch.unsent.push((mid.to_owned(), at));
                continue;
            }
            match message(event, msg, mid, at) {
                Ok(m) => batch.messages.push(m),
                Err(Refused::NoPatient) => batch.skipped += 1,
                Err(Refused::InvalidPatient) => batch.invalid += 1,
            }
        }
    }
    out
}

/// Why an event with a message id is not stored.
enum Refused {
    /// No patient id at all.
    NoPatient,
    /// A patient id that cannot be stored.
    InvalidPatient,
}

fn message(
    event: &Value,
    msg: &Value,
    mid: &str,
    at: DateTime<Utc>,
) -> Result<InboundMessage, Refused> {
    let echo = msg.get("is_echo").and_then(Value::as_bool) == Some(true);
    // For an echo the business is the sender and the patient the recipient.
    let patient = if echo {
        event.get("recipient")
    } else {
        event.get("sender")
    };
    let patient_id = patient
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .ok_or(Refused::NoPatient)?
        .to_owned();
    if !is_valid_sender_id(&patient_id) {
        return Err(Refused::InvalidPatient);
    }
    let attachment = msg.get("attachments").and_then(|a| a.get(0));
    let content = if msg.get("is_unsupported").and_then(Value::as_bool) == Some(true) {
        ContentType::Unsupported
    } else if let Some(a) = attachment {
        match a.get("type").and_then(Value::as_str) {
            Some("image") => ContentType::Image,
            Some("video") => ContentType::Video,
            Some("audio") => ContentType::Audio,
            Some("file") => ContentType::Document,
            Some("sticker") => ContentType::Sticker,
            _ => ContentType::Unknown,
        }
    } else {
        ContentType::Text
    };
    let text = msg
        .get("text")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| Some(label(content, None)))
        .filter(|t| !t.is_empty());
    let mut metadata = serde_json::json!({});
    if let Some(r) = msg.get("reply_to") {
        metadata["reply_to"] = r.clone();
    }
    if echo {
        metadata["echo"] = Value::Bool(true);
    }
    let url = attachment
        .and_then(|a| a.get("payload"))
        .and_then(|p| p.get("url"))
        .and_then(Value::as_str);
    // Only https links are kept (never `javascript:` or `data:`): shown as links in the inbox.
    if url.is_some_and(|u| !is_https_url(u)) {
        metadata["media_url_dropped"] = Value::Bool(true);
    }
    let url = url.filter(|u| is_https_url(u));
    Ok(InboundMessage {
        channel: Channel::Instagram,
        provider_message_id: mid.to_owned(),
        sender: Sender {
            external_id: patient_id,
            other_ids: Vec::new(),
            phone: None,
            name: None,
            username: None,
        },
        direction: if echo {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        content_type: content,
        text: text.map(|t| cut(&t, 10_000)),
        media: attachment.map(|a| serde_json::json!({"url": url, "type": a.get("type")})),
        metadata,
        occurred_at: at,
        source: if echo {
            InteractionSource::ProviderApp
        } else {
            InteractionSource::Meta
        },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn messages_echoes_standby_and_unsent() {
        let env: Envelope = serde_json::from_value(serde_json::json!({
          "object": "instagram",
          "entry": [{
            "id": "IG1", "time": 1_780_000_000_000_i64,
            "messaging": [
              {"sender": {"id": "IGSID9"}, "recipient": {"id": "IG1"}, "timestamp": 1_780_000_000_000_i64,
               "message": {"mid": "m1", "text": "Olá!"}},
              {"sender": {"id": "IG1"}, "recipient": {"id": "IGSID9"}, "timestamp": 1_780_000_001_000_i64,
               "message": {"mid": "m2", "text": "Oi, como podemos ajudar?", "is_echo": true}},
              {"sender": {"id": "IGSID9"}, "recipient": {"id": "IG1"}, "timestamp": 1_780_000_002_000_i64,
               "message": {"mid": "m1", "is_deleted": true}},
              {"sender": {"id": "IGSID9"}, "recipient": {"id": "IG1"}, "timestamp": 1_780_000_003_000_i64,
               "read": {"mid": "m2"}}
            ],
            "standby": [
              {"sender": {"id": "IGSID9"}, "recipient": {"id": "IG1"}, "timestamp": 1_780_000_004_000_i64,
               "message": {"mid": "m3", "attachments": [{"type": "image", "payload": {"url": "https://cdn/x.jpg"}}]}}
            ]
          }]
        }))
        .unwrap();
        let batches = parse(env);
        let b = &batches[0];
        assert_eq!(b.account_id, "IG1");
        assert_eq!(b.messages.len(), 3);
        assert_eq!(b.messages[0].direction, Direction::Inbound);
        let echo = &b.messages[1];
        assert_eq!(echo.direction, Direction::Outbound);
        assert_eq!(
            echo.sender.external_id, "IGSID9",
            "the patient of an echo is its recipient"
        );
        assert_eq!(echo.source, InteractionSource::ProviderApp);
        assert_eq!(b.messages[2].content_type, ContentType::Image);
        assert_eq!(b.unsent.len(), 1);
        assert_eq!(b.unsent[0].0, "m1");
        assert_eq!(b.skipped, 1);
    }

    #[test]
    fn bad_ids_are_refused_and_only_https_media_links_are_kept() {
        let env: Envelope = serde_json::from_value(serde_json::json!({
          "object": "instagram",
          "entry": [{"id": "IG1", "messaging": [
            {"sender": {"id": "IGSID9"}, "timestamp": 1_780_000_000_000_i64, "message": {"mid": "m\u{0}1", "text": "x"}},
            {"sender": {"id": "9".repeat(201)}, "timestamp": 1_780_000_000_000_i64, "message": {"mid": "m2", "text": "x"}},
            {"sender": {"id": "IGSID9"}, "timestamp": 1_780_000_000_000_i64,
             "message": {"mid": "m3", "attachments": [{"type": "image", "payload": {"url": "javascript:alert(1)"}}]}},
            {"sender": {"id": "IGSID9"}, "timestamp": 1_780_000_000_000_i64,
             "message": {"mid": "m4", "attachments": [{"type": "image", "payload": {"url": "https://cdn.test/x.jpg"}}]}}
          ]}]
        }))
        .unwrap();
        let b = &parse(env)[0];
        assert_eq!(b.invalid, 2);
        assert_eq!(b.messages.len(), 2);
        assert_eq!(b.messages[0].media.as_ref().unwrap()["url"], Value::Null);
        assert_eq!(b.messages[0].metadata["media_url_dropped"], true);
        assert_eq!(
            b.messages[1].media.as_ref().unwrap()["url"],
            "https://cdn.test/x.jpg"
        );
    }
}
