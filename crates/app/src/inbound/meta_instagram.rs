//! Instagram messaging webhooks (`object: instagram`): `messaging[]` and `standby[]`, echoes (sent
//! from the Instagram app: stored as outbound) and unsent messages.

use super::text::{cut, label};
use chrono::{DateTime, TimeZone, Utc};
use domain::Channel;
use domain::conversations::{ContentType, Direction, InteractionSource};
use domain::inbound::{InboundMessage, Sender};
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
            if msg.get("is_deleted").and_then(Value::as_bool) == Some(true) {
                batch.unsent.push((mid.to_owned(), at));
                continue;
            }
            match message(event, msg, mid, at) {
                Some(m) => batch.messages.push(m),
                None => batch.skipped += 1,
            }
        }
    }
    out
}

fn message(event: &Value, msg: &Value, mid: &str, at: DateTime<Utc>) -> Option<InboundMessage> {
    let echo = msg.get("is_echo").and_then(Value::as_bool) == Some(true);
    // For an echo the business is the sender and the patient the recipient.
    let patient = if echo {
        event.get("recipient")
    } else {
        event.get("sender")
    };
    let patient_id = patient?.get("id")?.as_str()?.to_owned();
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
    Some(InboundMessage {
        channel: Channel::Instagram,
        provider_message_id: cut(mid, 256),
        sender: Sender { external_id: cut(&patient_id, 200), other_ids: Vec::new(), phone: None, name: None, username: None },
        direction: if echo { Direction::Outbound } else { Direction::Inbound },
        content_type: content,
        text: text.map(|t| cut(&t, 10_000)),
        media: attachment.map(|a| {
            serde_json::json!({"url": a.get("payload").and_then(|p| p.get("url")), "type": a.get("type")})
        }),
        metadata,
        occurred_at: at,
        source: if echo { InteractionSource::ProviderApp } else { InteractionSource::Meta },
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
}
