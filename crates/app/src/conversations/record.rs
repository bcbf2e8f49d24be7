//! `POST /api/interactions`: store a normalised message.

use super::Conversations;
use chrono::{DateTime, Utc};
use domain::conversations::{
    ContentType, Conversation, DeliveryStatus, Direction, Interaction, InteractionSource,
    NewInteraction,
};
use domain::ports::conversations::RecordOutcome;
use domain::{Channel, ClientId, CompanyId, ConversationId, InteractionId, UserId};

/// A message to record.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordInteraction {
    /// Its thread; when absent the patient's thread is found or opened by the reopen rule.
    pub conversation_id: Option<ConversationId>,
    /// The patient (required without `conversation_id`; must match it otherwise).
    pub client_id: Option<ClientId>,
    /// The channel.
    pub channel: Channel,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What it carries.
    pub content_type: ContentType,
    /// Its text.
    pub text: Option<String>,
    /// Media descriptor.
    pub media: Option<serde_json::Value>,
    /// Initial status (default `received` inbound, `sent` outbound).
    pub status: Option<DeliveryStatus>,
    /// The provider's message id.
    pub external_id: Option<String>,
    /// When it happened (default now).
    pub occurred_at: Option<DateTime<Utc>>,
    /// Provider-specific extras.
    pub metadata: Option<serde_json::Value>,
    /// Where it came from.
    pub source: InteractionSource,
    /// The member recording it (outbound messages are attributed to them).
    pub recorded_by: Option<UserId>,
}

/// A recorded message.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    /// The message (the first one when this was a duplicate).
    pub interaction: Interaction,
    /// Whether `(clinic, channel, external_id)` had already been stored.
    pub duplicate: bool,
    /// The thread after the update (None for a duplicate).
    pub conversation: Option<Conversation>,
}

/// Why a message could not be recorded.
#[derive(Debug, thiserror::Error)]
pub enum RecordInteractionError {
    /// Neither `conversation_id` nor `client_id` was given.
    #[error("client_id is required when conversation_id is absent")]
    ClientRequired,
    /// `client_id` is not the thread's patient.
    #[error("client_id does not match the conversation")]
    ClientMismatch,
    /// The status does not fit the direction (inbound is `received`; outbound is never).
    #[error("status {status} is not valid for an {direction} message")]
    InvalidStatus {
        /// The status given.
        status: &'static str,
        /// The direction given.
        direction: &'static str,
    },
    /// No such client in this clinic.
    #[error("client not found")]
    ClientNotFound,
    /// No such conversation in this clinic.
    #[error("conversation not found")]
    ConversationNotFound,
    /// The conversation is closed.
    #[error("conversation is closed")]
    ConversationClosed,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl Conversations {
    /// Stores a message and updates its thread in one transaction; a provider message id already
    /// stored for this clinic and channel returns the first message with `duplicate: true`.
    ///
    /// # Errors
    /// See [`RecordInteractionError`].
    pub async fn record(
        &self,
        company: CompanyId,
        cmd: RecordInteraction,
    ) -> Result<Recorded, RecordInteractionError> {
        let status = match (cmd.direction, cmd.status) {
            (Direction::Inbound, None | Some(DeliveryStatus::Received)) => DeliveryStatus::Received,
            (Direction::Outbound, None) => DeliveryStatus::Sent,
            (Direction::Outbound, Some(s)) if s != DeliveryStatus::Received => s,
            (d, Some(s)) => {
                return Err(RecordInteractionError::InvalidStatus {
                    status: s.as_str(),
                    direction: d.as_str(),
                });
            }
        };
        let (conversation_id, client_id) = match (cmd.conversation_id, cmd.client_id) {
            (Some(id), client) => {
                let conversation = self
                    .repo
                    .get(company, id)
                    .await?
                    .ok_or(RecordInteractionError::ConversationNotFound)?;
                if client.is_some_and(|c| c != conversation.client_id) {
                    return Err(RecordInteractionError::ClientMismatch);
                }
                (id, conversation.client_id)
            }
            (None, Some(client)) => {
                let started =
                    self.start(company, client, cmd.channel)
                        .await
                        .map_err(|e| match e {
                            super::StartConversationError::ClientNotFound => {
                                RecordInteractionError::ClientNotFound
                            }
                            super::StartConversationError::Unknown(e) => {
                                RecordInteractionError::Unknown(e)
                            }
                        })?;
                (started.conversation.id, client)
            }
            (None, None) => return Err(RecordInteractionError::ClientRequired),
        };
        let message = NewInteraction {
            id: InteractionId::new(),
            conversation_id,
            client_id,
            channel: cmd.channel,
            direction: cmd.direction,
            content_type: cmd.content_type,
            text: cmd.text,
            media: cmd.media,
            metadata: cmd.metadata.unwrap_or_else(|| serde_json::json!({})),
            external_id: cmd.external_id,
            status,
            source: cmd.source,
            sent_by_user_id: match cmd.direction {
                Direction::Outbound => cmd.recorded_by,
                Direction::Inbound => None,
            },
            occurred_at: cmd.occurred_at.unwrap_or_else(|| self.clock.now()),
        };
        match self.repo.record(company, message).await? {
            RecordOutcome::Inserted {
                interaction,
                conversation,
            } => Ok(Recorded {
                interaction,
                duplicate: false,
                conversation: Some(conversation),
            }),
            RecordOutcome::Duplicate(interaction) => Ok(Recorded {
                interaction,
                duplicate: true,
                conversation: None,
            }),
            RecordOutcome::ConversationClosed => Err(RecordInteractionError::ConversationClosed),
            RecordOutcome::ConversationNotFound => {
                Err(RecordInteractionError::ConversationNotFound)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::{clock_at, no_notes, t0, thread};
    use super::*;
    use domain::conversations::ClientSummary;
    use domain::ports::conversations::{MockConversationRepository, OpenOutcome};
    use std::sync::Arc;

    fn cmd(direction: Direction) -> RecordInteraction {
        RecordInteraction {
            conversation_id: None,
            client_id: None,
            channel: Channel::Whatsapp,
            direction,
            content_type: ContentType::Text,
            text: Some("Oi".into()),
            media: None,
            status: None,
            external_id: Some("wamid.1".into()),
            occurred_at: None,
            metadata: None,
            source: InteractionSource::Api,
            recorded_by: Some(UserId::new()),
        }
    }

    fn stored(m: &NewInteraction) -> Interaction {
        Interaction {
            id: m.id,
            conversation_id: m.conversation_id,
            client_id: m.client_id,
            channel: m.channel,
            direction: m.direction,
            content_type: m.content_type,
            text: m.text.clone(),
            media: m.media.clone(),
            metadata: m.metadata.clone(),
            external_id: m.external_id.clone(),
            status: m.status,
            error: None,
            source: m.source,
            sent_by_user_id: m.sent_by_user_id,
            occurred_at: m.occurred_at,
            created_at: m.occurred_at,
            deleted_at: None,
        }
    }

    #[tokio::test]
    async fn without_a_conversation_the_start_rule_picks_the_thread() {
        let client = ClientId::new();
        let opened = thread(client, t0());
        let opened_id = opened.id;
        let mut repo = MockConversationRepository::new();
        repo.expect_client_summary().returning(move |_, _| {
            Ok(Some(ClientSummary {
                id: client,
                name: None,
                phone: None,
            }))
        });
        repo.expect_window_hours().returning(|_| Ok(24));
        repo.expect_active_for_client().returning(|_, _| Ok(None));
        let o = opened.clone();
        repo.expect_open()
            .returning(move |_, _, _, _| Ok(OpenOutcome::Opened(o.clone())));
        repo.expect_record()
            .withf(move |_, m| {
                m.conversation_id == opened_id
                    && m.status == DeliveryStatus::Received
                    && m.sent_by_user_id.is_none()
                    && m.occurred_at == t0()
            })
            .times(1)
            .returning(move |_, m| {
                Ok(RecordOutcome::Inserted {
                    interaction: stored(&m),
                    conversation: opened.clone(),
                })
            });
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let recorded = uc
            .record(
                CompanyId::new(),
                RecordInteraction {
                    client_id: Some(client),
                    ..cmd(Direction::Inbound)
                },
            )
            .await
            .unwrap();
        assert!(!recorded.duplicate);
        assert_eq!(recorded.interaction.conversation_id, opened_id);
    }

    #[tokio::test]
    async fn a_repeated_provider_id_is_reported_as_a_duplicate() {
        let client = ClientId::new();
        let conv = thread(client, t0());
        let id = conv.id;
        let mut repo = MockConversationRepository::new();
        repo.expect_get()
            .returning(move |_, _| Ok(Some(conv.clone())));
        repo.expect_record()
            .returning(|_, m| Ok(RecordOutcome::Duplicate(stored(&m))));
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let recorded = uc
            .record(
                CompanyId::new(),
                RecordInteraction {
                    conversation_id: Some(id),
                    ..cmd(Direction::Outbound)
                },
            )
            .await
            .unwrap();
        assert!(recorded.duplicate);
        assert_eq!(recorded.interaction.status, DeliveryStatus::Sent);
    }

    #[tokio::test]
    async fn inconsistent_input_is_refused_before_anything_is_written() {
        let mut repo = MockConversationRepository::new();
        repo.expect_record().never();
        let client = ClientId::new();
        let conv = thread(client, t0());
        let id = conv.id;
        repo.expect_get()
            .returning(move |_, _| Ok(Some(conv.clone())));
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let company = CompanyId::new();
        let err = uc
            .record(company, cmd(Direction::Inbound))
            .await
            .unwrap_err();
        assert!(matches!(err, RecordInteractionError::ClientRequired));
        let err = uc
            .record(
                company,
                RecordInteraction {
                    status: Some(DeliveryStatus::Delivered),
                    ..cmd(Direction::Inbound)
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, RecordInteractionError::InvalidStatus { .. }));
        let err = uc
            .record(
                company,
                RecordInteraction {
                    conversation_id: Some(id),
                    client_id: Some(ClientId::new()),
                    ..cmd(Direction::Inbound)
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, RecordInteractionError::ClientMismatch));
    }
}
