//! `POST /api/chat/send`: store a reply and queue its dispatch, once per `Idempotency-Key`.

use super::Outbox;
use domain::conversations::{
    ContentType, Conversation, DeliveryStatus, Direction, Interaction, InteractionSource,
    NewInteraction, ThreadStatus,
};
use domain::outbound::{
    IdempotencyKey, QueueOutcome, QueuedSend, dispatch_job, idempotency_ttl, send_fingerprint,
    whatsapp_service_window,
};
use domain::{Channel, CompanyId, ConversationId, InteractionId, UserId};

/// A reply to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendReply {
    /// The thread.
    pub conversation_id: ConversationId,
    /// The channel; default the thread's last inbound channel, else its channel.
    pub channel: Option<Channel>,
    /// The text (validated by the caller: 1 to 4096 characters).
    pub text: String,
    /// The client's `Idempotency-Key`.
    pub idempotency_key: Option<String>,
    /// The member sending it (None for an API token without a member).
    pub sent_by: Option<UserId>,
    /// `api` for members, `agent` for API tokens.
    pub source: InteractionSource,
}

/// A queued (or earlier) reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// The message.
    pub interaction: Interaction,
    /// The same `Idempotency-Key` was used within 24 hours: this is the first send's message and
    /// nothing new was queued.
    pub replayed: bool,
}

/// Why a reply was not queued.
#[derive(Debug, thiserror::Error)]
pub enum SendReplyError {
    /// No such conversation in this clinic.
    #[error("conversation not found")]
    NotFound,
    /// The conversation is closed.
    #[error("conversation is closed")]
    ConversationClosed,
    /// The patient has no identity on the channel.
    #[error("the client has no identity on {0}")]
    NoChannelIdentity(Channel),
    /// WhatsApp: more than 24 hours since the patient's last message (templates are not
    /// supported).
    #[error("outside WhatsApp's 24-hour service window")]
    OutsideServiceWindow,
    /// The `Idempotency-Key` was used within 24 hours for another request (another thread,
    /// channel or text): nothing was sent.
    #[error("the idempotency key was used for another request")]
    IdempotencyKeyReused,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// The channel a reply goes to: the one asked for, else where the patient last wrote, else the
/// thread's.
fn reply_channel(conversation: &Conversation, asked: Option<Channel>) -> Channel {
    asked
        .or(conversation.last_inbound_channel)
        .unwrap_or(conversation.channel)
}

impl Outbox {
    /// Checks the rules, in order: the thread is this clinic's (else not found); a fresh
    /// `Idempotency-Key` returns the first send when the request is the same (so a retried
    /// request never sends twice, even if the thread closed since) and is refused when it is
    /// not; the thread is active; the patient has an identity on the channel; WhatsApp's 24-hour
    /// window is open. Then stores the `queued` message, its dispatch job and the key bound to
    /// the request in one transaction (a key older than 24 hours is reused).
    ///
    /// # Errors
    /// See [`SendReplyError`].
    pub async fn send(&self, company: CompanyId, cmd: SendReply) -> Result<Sent, SendReplyError> {
        let now = self.clock.now();
        let cutoff = now - idempotency_ttl();
        let key = cmd.idempotency_key.clone().map(|key| IdempotencyKey {
            key,
            request: send_fingerprint(cmd.conversation_id, cmd.channel, &cmd.text),
        });
        let context = self
            .store
            .send_context(company, cmd.conversation_id, key.clone())
            .await?
            .ok_or(SendReplyError::NotFound)?;
        if let Some(earlier) = &context.earlier
            && earlier.at > cutoff
        {
            if !earlier.same_request {
                return Err(SendReplyError::IdempotencyKeyReused);
            }
            return Ok(Sent {
                interaction: earlier.interaction.clone(),
                replayed: true,
            });
        }
        let conversation = &context.conversation;
        if conversation.status == ThreadStatus::Closed {
            return Err(SendReplyError::ConversationClosed);
        }
        let channel = reply_channel(conversation, cmd.channel);
        if !context.identity_channels.contains(&channel) {
            return Err(SendReplyError::NoChannelIdentity(channel));
        }
        if channel == Channel::Whatsapp
            && conversation
                .last_inbound_at
                .is_none_or(|at| now.signed_duration_since(at) > whatsapp_service_window())
        {
            return Err(SendReplyError::OutsideServiceWindow);
        }
        let id = InteractionId::new();
        let message = NewInteraction {
            id,
            conversation_id: conversation.id,
            client_id: conversation.client_id,
            channel,
            direction: Direction::Outbound,
            content_type: ContentType::Text,
            text: Some(cmd.text),
            media: None,
            metadata: serde_json::json!({}),
            external_id: None,
            status: DeliveryStatus::Queued,
            source: cmd.source,
            sent_by_user_id: cmd.sent_by,
            occurred_at: now,
        };
        let send = QueuedSend {
            message,
            job: dispatch_job(id, self.max_attempts),
            idempotency_key: key,
            key_cutoff: cutoff,
        };
        match self.store.queue_send(company, send).await? {
            QueueOutcome::Queued { interaction, .. } => {
                tracing::info!(company_id = %company, conversation_id = %interaction.conversation_id,
                    interaction_id = %interaction.id, channel = channel.as_str(), outcome = "queued", "reply");
                Ok(Sent {
                    interaction,
                    replayed: false,
                })
            }
            QueueOutcome::Replay(interaction) => Ok(Sent {
                interaction,
                replayed: true,
            }),
            QueueOutcome::KeyReused => Err(SendReplyError::IdempotencyKeyReused),
            QueueOutcome::ConversationClosed => Err(SendReplyError::ConversationClosed),
            QueueOutcome::ConversationNotFound => Err(SendReplyError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::{clock_at, outbox, stored, t0, thread};
    use super::*;
    use chrono::Duration;
    use domain::ClientId;
    use domain::jobs::kinds::OUTBOUND_DISPATCH;
    use domain::outbound::{EarlierSend, SendContext};
    use domain::ports::outbox::MockOutboxStore;

    fn cmd(conversation: ConversationId) -> SendReply {
        SendReply {
            conversation_id: conversation,
            channel: None,
            text: "Sua consulta está confirmada".into(),
            idempotency_key: Some("key-1".into()),
            sent_by: Some(UserId::new()),
            source: InteractionSource::Api,
        }
    }

    fn context(conv: Conversation, channels: Vec<Channel>) -> SendContext {
        SendContext {
            conversation: conv,
            identity_channels: channels,
            earlier: None,
        }
    }

    fn whatsapp_thread(last_inbound: chrono::DateTime<chrono::Utc>) -> Conversation {
        let mut c = thread(ClientId::new(), t0() - Duration::days(2));
        c.last_inbound_channel = Some(Channel::Whatsapp);
        c.last_inbound_at = Some(last_inbound);
        c
    }

    #[tokio::test]
    async fn a_reply_is_stored_queued_with_its_job_and_key_in_one_call() {
        let conv = whatsapp_thread(t0() - Duration::hours(23));
        let (conv_id, c2) = (conv.id, conv.clone());
        let mut store = MockOutboxStore::new();
        store
            .expect_send_context()
            .withf(move |_, id, key| {
                *id == conv_id && key.as_ref().map(|k| k.key.as_str()) == Some("key-1")
            })
            .returning(move |_, _, _| Ok(Some(context(c2.clone(), vec![Channel::Whatsapp]))));
        let c3 = conv.clone();
        store
            .expect_queue_send()
            .withf(|_, s| {
                s.message.status == DeliveryStatus::Queued
                    && s.message.channel == Channel::Whatsapp
                    && s.message.direction == Direction::Outbound
                    && s.message.sent_by_user_id.is_some()
                    && s.job.kind == OUTBOUND_DISPATCH
                    && s.job.payload["interaction_id"] == serde_json::json!(s.message.id)
                    && s.job.max_attempts == Some(4)
                    && s.idempotency_key.as_ref().map(|k| k.key.as_str()) == Some("key-1")
                    && s.idempotency_key.as_ref().map(|k| k.request.clone())
                        == Some(send_fingerprint(
                            s.message.conversation_id,
                            None,
                            "Sua consulta está confirmada",
                        ))
                    && s.key_cutoff == t0() - Duration::hours(24)
            })
            .times(1)
            .returning(move |_, s| {
                Ok(QueueOutcome::Queued {
                    interaction: stored(&s.message),
                    conversation: c3.clone(),
                })
            });
        let sent = outbox(store, clock_at(t0()), 4)
            .send(CompanyId::new(), cmd(conv.id))
            .await
            .unwrap();
        assert!(!sent.replayed);
        assert_eq!(sent.interaction.status, DeliveryStatus::Queued);
    }

    #[tokio::test]
    async fn a_fresh_key_replays_the_first_send_and_an_old_one_is_reused() {
        let conv = whatsapp_thread(t0() - Duration::hours(1));
        let first = stored(&NewInteraction {
            id: InteractionId::new(),
            conversation_id: conv.id,
            client_id: conv.client_id,
            channel: Channel::Whatsapp,
            direction: Direction::Outbound,
            content_type: ContentType::Text,
            text: Some("first".into()),
            media: None,
            metadata: serde_json::json!({}),
            external_id: None,
            status: DeliveryStatus::Sent,
            source: InteractionSource::Api,
            sent_by_user_id: None,
            occurred_at: t0(),
        });
        for (age, replayed) in [(Duration::hours(23), true), (Duration::hours(25), false)] {
            let mut store = MockOutboxStore::new();
            let (c, f) = (conv.clone(), first.clone());
            store.expect_send_context().returning(move |_, _, _| {
                Ok(Some(SendContext {
                    conversation: c.clone(),
                    identity_channels: vec![Channel::Whatsapp],
                    earlier: Some(EarlierSend {
                        interaction: f.clone(),
                        at: t0() - age,
                        same_request: true,
                    }),
                }))
            });
            let c = conv.clone();
            store
                .expect_queue_send()
                .times(usize::from(!replayed))
                .returning(move |_, s| {
                    Ok(QueueOutcome::Queued {
                        interaction: stored(&s.message),
                        conversation: c.clone(),
                    })
                });
            let sent = outbox(store, clock_at(t0()), 6)
                .send(CompanyId::new(), cmd(conv.id))
                .await
                .unwrap();
            assert_eq!(sent.replayed, replayed);
            assert_eq!(sent.interaction.id == first.id, replayed);
        }
    }

    #[tokio::test]
    async fn a_fresh_key_with_another_request_is_refused_and_nothing_is_stored() {
        let conv = whatsapp_thread(t0() - Duration::hours(1));
        let first = stored(&NewInteraction {
            id: InteractionId::new(),
            conversation_id: conv.id,
            client_id: conv.client_id,
            channel: Channel::Whatsapp,
            direction: Direction::Outbound,
            content_type: ContentType::Text,
            text: Some("another text".into()),
            media: None,
            metadata: serde_json::json!({}),
            external_id: None,
            status: DeliveryStatus::Queued,
            source: InteractionSource::Api,
            sent_by_user_id: None,
            occurred_at: t0(),
        });
        let mut store = MockOutboxStore::new();
        let c = conv.clone();
        store.expect_send_context().returning(move |_, _, _| {
            Ok(Some(SendContext {
                conversation: c.clone(),
                identity_channels: vec![Channel::Whatsapp],
                earlier: Some(EarlierSend {
                    interaction: first.clone(),
                    at: t0() - Duration::hours(1),
                    same_request: false,
                }),
            }))
        });
        store.expect_queue_send().never();
        let err = outbox(store, clock_at(t0()), 6)
            .send(CompanyId::new(), cmd(conv.id))
            .await
            .unwrap_err();
        assert!(matches!(err, SendReplyError::IdempotencyKeyReused));

        // A concurrent send with the same key and another request won the race.
        let mut store = MockOutboxStore::new();
        let c = conv.clone();
        store
            .expect_send_context()
            .returning(move |_, _, _| Ok(Some(context(c.clone(), vec![Channel::Whatsapp]))));
        store
            .expect_queue_send()
            .times(1)
            .returning(|_, _| Ok(QueueOutcome::KeyReused));
        let err = outbox(store, clock_at(t0()), 6)
            .send(CompanyId::new(), cmd(conv.id))
            .await
            .unwrap_err();
        assert!(matches!(err, SendReplyError::IdempotencyKeyReused));
    }

    #[test]
    fn the_fingerprint_changes_with_the_thread_the_channel_and_the_text() {
        let conv = ConversationId::new();
        let base = send_fingerprint(conv, None, "Olá");
        assert_eq!(base, send_fingerprint(conv, None, "Olá"));
        for other in [
            send_fingerprint(ConversationId::new(), None, "Olá"),
            send_fingerprint(conv, Some(Channel::Whatsapp), "Olá"),
            send_fingerprint(conv, None, "Olá!"),
        ] {
            assert_ne!(base, other);
        }
    }

    #[tokio::test]
    async fn the_rules_answer_in_order_and_nothing_is_stored() {
        let company = CompanyId::new();
        let check = |ctx: Option<SendContext>, channel: Option<Channel>| {
            let mut store = MockOutboxStore::new();
            store
                .expect_send_context()
                .returning(move |_, _, _| Ok(ctx.clone()));
            store.expect_queue_send().never();
            let uc = outbox(store, clock_at(t0()), 6);
            async move {
                uc.send(
                    company,
                    SendReply {
                        channel,
                        ..cmd(ConversationId::new())
                    },
                )
                .await
                .unwrap_err()
            }
        };
        assert!(matches!(check(None, None).await, SendReplyError::NotFound));

        let mut closed = whatsapp_thread(t0() - Duration::days(3));
        closed.status = ThreadStatus::Closed;
        let err = check(Some(context(closed, vec![])), None).await;
        assert!(
            matches!(err, SendReplyError::ConversationClosed),
            "closed before any other rule"
        );

        let open = whatsapp_thread(t0() - Duration::hours(1));
        let err = check(Some(context(open.clone(), vec![Channel::Instagram])), None).await;
        assert!(matches!(
            err,
            SendReplyError::NoChannelIdentity(Channel::Whatsapp)
        ));

        let stale = whatsapp_thread(t0() - Duration::hours(24) - Duration::seconds(1));
        let err = check(Some(context(stale.clone(), vec![Channel::Whatsapp])), None).await;
        assert!(matches!(err, SendReplyError::OutsideServiceWindow));

        let mut never = whatsapp_thread(t0());
        never.last_inbound_at = None;
        let err = check(Some(context(never, vec![Channel::Whatsapp])), None).await;
        assert!(matches!(err, SendReplyError::OutsideServiceWindow));

        // The window is WhatsApp's: Instagram replies to the same stale thread are not refused by it.
        let mut store = MockOutboxStore::new();
        store.expect_send_context().returning(move |_, _, _| {
            Ok(Some(context(
                stale.clone(),
                vec![Channel::Whatsapp, Channel::Instagram],
            )))
        });
        store
            .expect_queue_send()
            .withf(|_, s| s.message.channel == Channel::Instagram)
            .times(1)
            .returning(|_, _| Ok(QueueOutcome::ConversationClosed));
        let err = outbox(store, clock_at(t0()), 6)
            .send(
                company,
                SendReply {
                    channel: Some(Channel::Instagram),
                    ..cmd(ConversationId::new())
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, SendReplyError::ConversationClosed),
            "closed meanwhile"
        );
    }
}
