//! Sending an outbound message through the clinic's relay (n8n).

use crate::ids::{CompanyId, ConversationId, InteractionId};
use async_trait::async_trait;
use std::fmt;

/// Where to send: the relay's URL and the secret the call is signed with.
#[derive(Clone, PartialEq, Eq)]
pub struct DispatchTarget {
    /// The relay's outbound webhook URL (the n8n integration's `outbound_url`).
    pub url: String,
    /// The signing secret (the n8n integration's `outbound_secret`). Never printed by `Debug`.
    pub secret: String,
}

impl fmt::Debug for DispatchTarget {
    /// Prints the URL without its query string and never the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.url.split(['?', '#']).next().unwrap_or_default();
        f.debug_struct("DispatchTarget")
            .field("url", &url)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The patient's identity on the channel.
#[derive(Clone, PartialEq, Eq)]
pub struct Recipient {
    /// The channel's id for the patient (WhatsApp number digits or BSUID, Instagram IGSID, …).
    pub external_id: String,
    /// The patient's phone (E.164), when known.
    pub phone: Option<String>,
    /// The patient's username (Instagram, WhatsApp usernames), when known.
    pub username: Option<String>,
}

impl fmt::Debug for Recipient {
    /// Prints which fields are set, never their values (they are personal data).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recipient")
            .field("has_phone", &self.phone.is_some())
            .field("has_username", &self.username.is_some())
            .finish_non_exhaustive()
    }
}

/// One outbound text message, as the relay receives it.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    /// The outbound interaction; also the call's idempotency key.
    pub interaction_id: InteractionId,
    /// The clinic.
    pub company_id: CompanyId,
    /// The conversation thread.
    pub conversation_id: ConversationId,
    /// The channel's wire name (`whatsapp`, `instagram`, …).
    pub channel: String,
    /// The clinic's account on the channel (e.g. WhatsApp `phone_number_id`), when known.
    pub account_id: Option<String>,
    /// Who receives the message.
    pub to: Recipient,
    /// The message text. Never printed by `Debug`.
    pub text: String,
    /// Where the relay reports delivery statuses.
    pub callback_url: String,
}

impl fmt::Debug for OutboundMessage {
    /// Prints the ids and routing fields; the recipient and text are left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundMessage")
            .field("interaction_id", &self.interaction_id)
            .field("company_id", &self.company_id)
            .field("conversation_id", &self.conversation_id)
            .field("channel", &self.channel)
            .field("account_id", &self.account_id)
            .field("text_chars", &self.text.chars().count())
            .finish_non_exhaustive()
    }
}

/// The outcome of one dispatch attempt. Error strings are short and contain neither secrets
/// nor the message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchResult {
    /// The relay accepted the message (2xx).
    Sent {
        /// The provider's message id (`message_id` in the relay's JSON answer), if any.
        provider_message_id: Option<String>,
    },
    /// The relay refused the message for good (4xx other than 408/429, a redirect, or a
    /// request that cannot be built): mark it failed, do not retry.
    Rejected {
        /// The HTTP status; `0` when no request could be sent (e.g. an invalid URL).
        status: u16,
        /// Why.
        error: String,
    },
    /// A transient failure (5xx, 408, 429, timeout, connection error): retry later.
    Retryable {
        /// Why.
        error: String,
        /// The relay's `Retry-After`, in seconds, when it sent one.
        retry_after_secs: Option<u64>,
    },
}

impl DispatchResult {
    /// Whether the attempt should be retried.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }
}

/// Sends outbound messages to the clinic's relay. Implementations never fail: every outcome,
/// including transport errors, is a [`DispatchResult`].
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OutboundDispatcher: Send + Sync {
    /// Delivers `message` to `target` once (no retries inside; the outbox retries).
    async fn dispatch(&self, target: DispatchTarget, message: OutboundMessage) -> DispatchResult;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> OutboundMessage {
        OutboundMessage {
            interaction_id: InteractionId::new(),
            company_id: CompanyId::new(),
            conversation_id: ConversationId::new(),
            channel: "whatsapp".to_owned(),
            account_id: Some("1234".to_owned()),
            to: Recipient {
                external_id: "5511987654321".to_owned(),
                phone: Some("+5511987654321".to_owned()),
                username: Some("ana.souza".to_owned()),
            },
            text: "Your appointment is confirmed".to_owned(),
            callback_url: "https://atende.test/webhooks/n8n/status".to_owned(),
        }
    }

    #[test]
    fn target_debug_hides_the_secret_and_query() {
        let target = DispatchTarget {
            url: "https://n8n.clinic.test/webhook/out?token=abc#frag".to_owned(),
            secret: "s3cr3t-outbound".to_owned(),
        };
        let printed = format!("{target:?} {target:#?}");
        assert!(!printed.contains("s3cr3t-outbound"), "{printed}");
        assert!(!printed.contains("token=abc"), "{printed}");
        assert!(printed.contains("https://n8n.clinic.test/webhook/out"));
        assert!(printed.contains("[redacted]"));
    }

    #[test]
    fn message_debug_hides_text_and_recipient() {
        let msg = message();
        let printed = format!("{msg:?} {:?}", msg.to);
        assert!(!printed.contains("appointment"), "{printed}");
        assert!(!printed.contains("5511987654321"), "{printed}");
        assert!(!printed.contains("ana.souza"), "{printed}");
        assert!(printed.contains(&msg.interaction_id.to_string()));
    }

    #[test]
    fn only_retryable_is_retryable() {
        let retry = DispatchResult::Retryable {
            error: "n8n answered 503".to_owned(),
            retry_after_secs: None,
        };
        assert!(retry.is_retryable());
        assert!(
            !DispatchResult::Sent {
                provider_message_id: None
            }
            .is_retryable()
        );
        let rejected = DispatchResult::Rejected {
            status: 400,
            error: "n8n answered 400".to_owned(),
        };
        assert!(!rejected.is_retryable());
    }

    #[test]
    fn the_mock_is_usable_as_a_trait_object() {
        let mock: std::sync::Arc<dyn OutboundDispatcher> =
            std::sync::Arc::new(MockOutboundDispatcher::new());
        drop(mock);
    }
}
