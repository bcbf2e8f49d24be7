//! The JSON body n8n receives, serialised once to the bytes that are signed and sent.

use domain::ports::dispatcher::OutboundMessage;
use domain::{CompanyId, ConversationId, InteractionId};
use serde::Serialize;

/// `{"interaction_id", "company_id", "conversation_id", "channel", "account_id", "to",
/// "message", "callback_url"}`. `account_id` is always present (`null` when unknown).
#[derive(Serialize)]
struct Body<'a> {
    interaction_id: InteractionId,
    company_id: CompanyId,
    conversation_id: ConversationId,
    channel: &'a str,
    account_id: Option<&'a str>,
    to: To<'a>,
    message: Text<'a>,
    callback_url: &'a str,
}

/// `{"external_id", "phone"?, "username"?}`: absent fields are omitted.
#[derive(Serialize)]
struct To<'a> {
    external_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
}

/// `{"type": "text", "text"}`.
#[derive(Serialize)]
struct Text<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
}

/// The request body bytes for `message`.
///
/// # Errors
/// Only if serde_json fails, which plain strings and ids never make it do.
pub(crate) fn encode(message: &OutboundMessage) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&Body {
        interaction_id: message.interaction_id,
        company_id: message.company_id,
        conversation_id: message.conversation_id,
        channel: &message.channel,
        account_id: message.account_id.as_deref(),
        to: To {
            external_id: &message.to.external_id,
            phone: message.to.phone.as_deref(),
            username: message.to.username.as_deref(),
        },
        message: Text {
            kind: "text",
            text: &message.text,
        },
        callback_url: &message.callback_url,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::encode;
    use domain::ports::dispatcher::{OutboundMessage, Recipient};
    use domain::{CompanyId, ConversationId, InteractionId};
    use uuid::Uuid;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn message(
        phone: Option<&str>,
        username: Option<&str>,
        account: Option<&str>,
    ) -> OutboundMessage {
        OutboundMessage {
            interaction_id: InteractionId(id(1)),
            company_id: CompanyId(id(2)),
            conversation_id: ConversationId(id(3)),
            channel: "whatsapp".to_owned(),
            account_id: account.map(str::to_owned),
            to: Recipient {
                external_id: "5511987654321".to_owned(),
                phone: phone.map(str::to_owned),
                username: username.map(str::to_owned),
            },
            text: "Olá \"Ana\"".to_owned(),
            callback_url: "https://atende.test/webhooks/n8n/status".to_owned(),
        }
    }

    #[test]
    fn full_body_has_the_exact_shape_and_order() {
        let body = encode(&message(Some("+5511987654321"), Some("ana"), Some("1234"))).unwrap();
        let expected = concat!(
            r#"{"interaction_id":"00000000-0000-0000-0000-000000000001","#,
            r#""company_id":"00000000-0000-0000-0000-000000000002","#,
            r#""conversation_id":"00000000-0000-0000-0000-000000000003","#,
            r#""channel":"whatsapp","account_id":"1234","#,
            r#""to":{"external_id":"5511987654321","phone":"+5511987654321","username":"ana"},"#,
            r#""message":{"type":"text","text":"Olá \"Ana\""},"#,
            r#""callback_url":"https://atende.test/webhooks/n8n/status"}"#,
        );
        assert_eq!(String::from_utf8(body).unwrap(), expected);
    }

    #[test]
    fn absent_recipient_fields_are_omitted_and_account_is_null() {
        let body = encode(&message(None, None, None)).unwrap();
        let text = String::from_utf8(body).unwrap();
        assert!(text.contains(r#""account_id":null"#), "{text}");
        assert!(
            text.contains(r#""to":{"external_id":"5511987654321"}"#),
            "{text}"
        );
    }
}
