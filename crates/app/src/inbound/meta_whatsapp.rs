//! WhatsApp Cloud API webhooks (`object: whatsapp_business_account`): every entry, change,
//! message, contact and status of a batch.

use super::text::{cut, label};
use chrono::{DateTime, TimeZone, Utc};
use domain::Channel;
use domain::clients::WhatsappId;
use domain::conversations::{ContentType, DeliveryStatus, Direction, InteractionSource};
use domain::inbound::{InboundMessage, Sender, StatusReport, is_valid_provider_id};
use domain::phone::{Phone, Region};
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
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Change {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub value: ChangeValue,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChangeValue {
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub messages: Vec<Value>,
    #[serde(default)]
    pub statuses: Vec<Status>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Metadata {
    pub phone_number_id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Contact {
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub profile: Option<Profile>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Profile {
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Status {
    pub id: String,
    pub status: String,
    pub timestamp: Option<String>,
    #[serde(default)]
    pub errors: Vec<Value>,
}

/// What one account (phone_number_id) received in a delivery.
#[derive(Debug, Default)]
pub(crate) struct AccountBatch {
    pub account_id: String,
    pub messages: Vec<InboundMessage>,
    pub statuses: Vec<StatusReport>,
    pub skipped: usize,
    /// Messages and statuses refused for an id that cannot be stored (see
    /// [`is_valid_provider_id`]).
    pub invalid: usize,
}

fn unix(ts: Option<&str>) -> Option<DateTime<Utc>> {
    ts.and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| Utc.timestamp_opt(s, 0).single())
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    cur.as_str()
}

/// Groups a delivery by account, in order. Accounts appear in the order their first change did.
pub(crate) fn parse(envelope: Envelope) -> Vec<AccountBatch> {
    let mut out: Vec<AccountBatch> = Vec::new();
    for change in envelope.entry.into_iter().flat_map(|e| e.changes) {
        if change.field != "messages" {
            continue;
        }
        let Some(meta) = &change.value.metadata else {
            continue;
        };
        let idx = match out
            .iter()
            .position(|b| b.account_id == meta.phone_number_id)
        {
            Some(i) => i,
            None => {
                out.push(AccountBatch {
                    account_id: meta.phone_number_id.clone(),
                    ..AccountBatch::default()
                });
                out.len() - 1
            }
        };
        let batch = &mut out[idx];
        for raw in &change.value.messages {
            if !raw
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(is_valid_provider_id)
            {
                batch.invalid += 1;
                continue;
            }
            match message(raw, &change.value.contacts) {
                Some(m) => batch.messages.push(m),
                None => batch.skipped += 1,
            }
        }
        for s in &change.value.statuses {
            if !is_valid_provider_id(&s.id) {
                batch.invalid += 1;
                continue;
            }
            match status(s) {
                Some(r) => batch.statuses.push(r),
                None => batch.skipped += 1,
            }
        }
    }
    out
}

fn status(s: &Status) -> Option<StatusReport> {
    let status = match s.status.as_str() {
        "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "read" => DeliveryStatus::Read,
        "failed" => DeliveryStatus::Failed,
        _ => return None,
    };
    let error = s.errors.first().map(|e| {
        serde_json::json!({
            "code": e.get("code").cloned().unwrap_or(Value::Null),
            "title": e.get("title").or_else(|| e.get("message")).cloned().unwrap_or(Value::Null),
        })
    });
    Some(StatusReport {
        interaction_id: None,
        provider_message_id: Some(s.id.clone()),
        status,
        error,
        at: unix(s.timestamp.as_deref()).unwrap_or_else(Utc::now),
    })
}

fn sender(raw: &Value, contacts: &[Contact]) -> Option<Sender> {
    let from = raw.get("from").and_then(Value::as_str);
    let from_user = raw.get("from_user_id").and_then(Value::as_str);
    let contact = contacts
        .iter()
        .find(|c| from.is_some() && c.wa_id.as_deref() == from)
        .or_else(|| {
            contacts
                .iter()
                .find(|c| from_user.is_some() && c.user_id.as_deref() == from_user)
        })
        .or(if contacts.len() == 1 {
            contacts.first()
        } else {
            None
        });
    let bsuid = from_user.or_else(|| contact.and_then(|c| c.user_id.as_deref()));
    let phone_id = from.and_then(|f| WhatsappId::parse(f).ok());
    let phone = from.and_then(|f| Phone::parse(&format!("+{f}"), Region::BR).ok());
    let bsuid = bsuid.and_then(|b| WhatsappId::parse(b).ok());
    let (external_id, other_ids) = match (phone_id, bsuid) {
        (Some(p), Some(b)) => (p.as_str().to_owned(), vec![b.as_str().to_owned()]),
        (Some(p), None) => (p.as_str().to_owned(), Vec::new()),
        (None, Some(b)) => (b.as_str().to_owned(), Vec::new()),
        (None, None) => return None,
    };
    Some(Sender {
        external_id,
        other_ids,
        phone,
        name: contact
            .and_then(|c| c.profile.as_ref())
            .and_then(|p| p.name.as_deref())
            .map(|n| cut(n.trim(), 200))
            .filter(|n| !n.is_empty()),
        username: None,
    })
}

/// One message of any type, with a readable text.
fn message(raw: &Value, contacts: &[Contact]) -> Option<InboundMessage> {
    let id = raw.get("id")?.as_str()?.to_owned();
    let sender = sender(raw, contacts)?;
    let kind = raw.get("type").and_then(Value::as_str).unwrap_or("unknown");
    let mut metadata = serde_json::json!({"wa_type": kind});
    if let Some(ctx) = raw.get("context") {
        metadata["context"] = ctx.clone();
    }
    let (content, text, media) = match kind {
        "text" => (
            ContentType::Text,
            str_at(raw, &["text", "body"]).map(str::to_owned),
            None,
        ),
        "image" | "audio" | "video" | "document" | "sticker" => {
            let content = match kind {
                "image" => ContentType::Image,
                "audio" => ContentType::Audio,
                "video" => ContentType::Video,
                "document" => ContentType::Document,
                _ => ContentType::Sticker,
            };
            let body = raw.get(kind).cloned().unwrap_or(Value::Null);
            let caption = str_at(&body, &["caption"]).or_else(|| str_at(&body, &["filename"]));
            let media = serde_json::json!({
                "provider_media_id": body.get("id"),
                "mime_type": body.get("mime_type"),
                "caption": body.get("caption"),
                "filename": body.get("filename"),
            });
            (content, Some(label(content, caption)), Some(media))
        }
        "location" => {
            let loc = raw.get("location").cloned().unwrap_or(Value::Null);
            let place = [str_at(&loc, &["name"]), str_at(&loc, &["address"])]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ");
            let coords = match (
                loc.get("latitude").and_then(Value::as_f64),
                loc.get("longitude").and_then(Value::as_f64),
            ) {
                (Some(lat), Some(lng)) => format!("({lat:.5}, {lng:.5})"),
                _ => String::new(),
            };
            metadata["location"] = loc;
            (
                ContentType::Location,
                Some(label(
                    ContentType::Location,
                    Some(&format!("{place} {coords}")),
                )),
                None,
            )
        }
        "interactive" => {
            let title = str_at(raw, &["interactive", "button_reply", "title"])
                .or_else(|| str_at(raw, &["interactive", "list_reply", "title"]));
            metadata["interactive"] = raw.get("interactive").cloned().unwrap_or(Value::Null);
            (ContentType::Interactive, title.map(str::to_owned), None)
        }
        "button" => {
            metadata["payload"] = raw
                .get("button")
                .and_then(|b| b.get("payload"))
                .cloned()
                .unwrap_or(Value::Null);
            (
                ContentType::Button,
                str_at(raw, &["button", "text"]).map(str::to_owned),
                None,
            )
        }
        "reaction" => {
            metadata["reacted_to"] = raw
                .get("reaction")
                .and_then(|r| r.get("message_id"))
                .cloned()
                .unwrap_or(Value::Null);
            let emoji = str_at(raw, &["reaction", "emoji"]);
            (
                ContentType::Reaction,
                Some(label(ContentType::Reaction, emoji)),
                None,
            )
        }
        "contacts" => {
            let name = raw
                .get("contacts")
                .and_then(|c| c.get(0))
                .and_then(|c| str_at(c, &["name", "formatted_name"]));
            (
                ContentType::Contacts,
                Some(label(ContentType::Contacts, name)),
                None,
            )
        }
        "system" => (
            ContentType::System,
            str_at(raw, &["system", "body"]).map(str::to_owned),
            None,
        ),
        _ => (
            ContentType::Unsupported,
            Some(label(ContentType::Unsupported, None)),
            None,
        ),
    };
    Some(InboundMessage {
        channel: Channel::Whatsapp,
        provider_message_id: id,
        sender,
        direction: Direction::Inbound,
        content_type: content,
        text: text.map(|t| cut(&t, 10_000)).filter(|t| !t.is_empty()),
        media,
        metadata,
        occurred_at: unix(raw.get("timestamp").and_then(Value::as_str)).unwrap_or_else(Utc::now),
        source: InteractionSource::Meta,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    pub(crate) fn sample() -> Value {
        serde_json::json!({
          "object": "whatsapp_business_account",
          "entry": [{
            "id": "WABA1",
            "changes": [{
              "field": "messages",
              "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "5511900000000", "phone_number_id": "PNID1"},
                "contacts": [
                  {"profile": {"name": "Maria"}, "wa_id": "5511987654321", "user_id": "BR.Maria01"},
                  {"profile": {"name": "Jo"}, "wa_id": "551187651234"}
                ],
                "messages": [
                  {"from": "5511987654321", "id": "wamid.A", "timestamp": "1780000000", "type": "text", "text": {"body": "Oi, quero marcar"}},
                  {"from": "551187651234", "id": "wamid.B", "timestamp": "1780000001", "type": "image",
                   "image": {"id": "MEDIA1", "mime_type": "image/jpeg", "caption": "meu exame"}},
                  {"from": "5511987654321", "id": "wamid.C", "timestamp": "1780000002", "type": "interactive",
                   "interactive": {"type": "button_reply", "button_reply": {"id": "b1", "title": "Confirmar"}}}
                ],
                "statuses": [
                  {"id": "wamid.OUT1", "status": "delivered", "timestamp": "1780000003", "recipient_id": "5511987654321"},
                  {"id": "wamid.OUT2", "status": "failed", "timestamp": "1780000004", "recipient_id": "5511987654321",
                   "errors": [{"code": 131047, "title": "Re-engagement message"}]}
                ]
              }
            }]
          }]
        })
    }

    #[test]
    fn a_batch_yields_every_message_and_status() {
        let batches = parse(serde_json::from_value(sample()).unwrap());
        assert_eq!(batches.len(), 1);
        let b = &batches[0];
        assert_eq!(b.account_id, "PNID1");
        assert_eq!(b.messages.len(), 3);
        assert_eq!(b.statuses.len(), 2);
        let maria = &b.messages[0];
        assert_eq!(maria.sender.external_id, "5511987654321");
        assert_eq!(maria.sender.other_ids, ["BR.Maria01"]);
        assert_eq!(maria.sender.name.as_deref(), Some("Maria"));
        let jo = &b.messages[1];
        assert_eq!(
            jo.sender.external_id, "5511987651234",
            "the ninth digit is added"
        );
        assert_eq!(jo.text.as_deref(), Some("[imagem] meu exame"));
        assert_eq!(b.messages[2].text.as_deref(), Some("Confirmar"));
        assert_eq!(b.statuses[1].status, DeliveryStatus::Failed);
        assert_eq!(b.statuses[1].error.as_ref().unwrap()["code"], 131_047);
    }

    #[test]
    fn every_message_type_gets_a_content_type_and_a_readable_text() {
        let cases = [
            (
                serde_json::json!({"type": "location", "location": {"latitude": -23.5, "longitude": -46.6, "name": "Clínica"}}),
                ContentType::Location,
                "[localização] Clínica",
            ),
            (
                serde_json::json!({"type": "button", "button": {"text": "Sim", "payload": "yes"}}),
                ContentType::Button,
                "Sim",
            ),
            (
                serde_json::json!({"type": "reaction", "reaction": {"message_id": "wamid.X", "emoji": "👍"}}),
                ContentType::Reaction,
                "[reação] 👍",
            ),
            (
                serde_json::json!({"type": "audio", "audio": {"id": "M", "mime_type": "audio/ogg"}}),
                ContentType::Audio,
                "[áudio]",
            ),
            (
                serde_json::json!({"type": "sticker", "sticker": {"id": "S"}}),
                ContentType::Sticker,
                "[figurinha]",
            ),
            (
                serde_json::json!({"type": "document", "document": {"id": "D", "filename": "laudo.pdf"}}),
                ContentType::Document,
                "[documento] laudo.pdf",
            ),
            (
                serde_json::json!({"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "l", "title": "Manhã"}}}),
                ContentType::Interactive,
                "Manhã",
            ),
            (
                serde_json::json!({"type": "contacts", "contacts": [{"name": {"formatted_name": "Dra. Ana"}}]}),
                ContentType::Contacts,
                "[contato] Dra. Ana",
            ),
            (
                serde_json::json!({"type": "unsupported", "errors": [{"code": 131051}]}),
                ContentType::Unsupported,
                "[mensagem não suportada]",
            ),
            (
                serde_json::json!({"type": "system", "system": {"body": "User changed number", "type": "user_changed_number"}}),
                ContentType::System,
                "User changed number",
            ),
        ];
        for (mut raw, content, text) in cases {
            raw["from"] = "5511987654321".into();
            raw["id"] = "wamid.T".into();
            raw["timestamp"] = "1780000000".into();
            let m = message(&raw, &[]).unwrap();
            assert_eq!(m.content_type, content, "{raw}");
            assert!(
                m.text.as_deref().unwrap().starts_with(text),
                "{:?} vs {text}",
                m.text
            );
        }
    }

    #[test]
    fn messages_and_statuses_with_ids_that_cannot_be_stored_are_refused_not_cut() {
        let mut v = sample();
        let value = &mut v["entry"][0]["changes"][0]["value"];
        value["messages"][0]["id"] = Value::String("x".repeat(300));
        value["messages"][1]["id"] = Value::String("wamid.\u{0}B".into());
        value["statuses"][0]["id"] = Value::String("has space".into());
        let batches = parse(serde_json::from_value(v).unwrap());
        let b = &batches[0];
        assert_eq!(b.invalid, 3);
        assert_eq!(b.messages.len(), 1);
        assert_eq!(b.messages[0].provider_message_id, "wamid.C");
        assert_eq!(b.statuses.len(), 1);
    }

    #[test]
    fn a_username_only_sender_is_identified_by_the_business_scoped_id() {
        let raw = serde_json::json!({"from_user_id": "BR.Ana77", "id": "wamid.U", "timestamp": "1780000000", "type": "text", "text": {"body": "oi"}});
        let contacts = [Contact {
            wa_id: None,
            user_id: Some("BR.Ana77".into()),
            profile: Some(Profile {
                name: Some("Ana".into()),
            }),
        }];
        let m = message(&raw, &contacts).unwrap();
        assert_eq!(m.sender.external_id, "BR.Ana77");
        assert!(m.sender.phone.is_none());
    }
}
