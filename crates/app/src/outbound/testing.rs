//! Fixtures of the outbox's unit tests.
#![allow(clippy::unwrap_used)]

use super::Outbox;
use chrono::{DateTime, TimeZone, Utc};
use domain::conversations::{Conversation, Interaction, NewInteraction, ThreadStatus};
use domain::ports::clock::MockClock;
use domain::ports::outbox::MockOutboxStore;
use domain::{Channel, ClientId, ConversationId};
use std::sync::Arc;

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 15, 0, 0).unwrap()
}

pub fn clock_at(now: DateTime<Utc>) -> MockClock {
    let mut c = MockClock::new();
    c.expect_now().return_const(now);
    c
}

pub fn outbox(store: MockOutboxStore, clock: MockClock, max_attempts: u32) -> Outbox {
    Outbox::new(Arc::new(store), Arc::new(clock), max_attempts)
}

pub fn thread(client: ClientId, started_at: DateTime<Utc>) -> Conversation {
    Conversation {
        id: ConversationId::new(),
        client_id: client,
        status: ThreadStatus::Active,
        channel: Channel::Whatsapp,
        last_inbound_channel: None,
        started_at,
        ended_at: None,
        close_reason: None,
        closed_by: None,
        last_message_at: None,
        last_inbound_at: None,
        unread_count: 0,
        last_read_at: None,
        last_read_by: None,
        last_message: None,
    }
}

pub fn stored(m: &NewInteraction) -> Interaction {
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
