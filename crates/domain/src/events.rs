//! The clinic's event log: what happened, in commit order, for the live stream
//! (`GET /api/events`, docs/events.md).
//!
//! Events are written by the adapters in the same transaction as the change they describe (like
//! the `conversation_closed` job), so the log holds exactly the committed changes. Ids are per
//! clinic, dense and increasing in commit order. Payloads are JSON objects shaped like the API's
//! own resources (a message as `GET /api/conversations/{id}/messages` shows it, a thread as the
//! inbox shows it), so a client updates its view without a follow-up read; they never carry
//! secrets.

use crate::clients::Client;
use crate::conversations::{Conversation, Interaction};
use crate::labels::Label;
use crate::notes::Note;
use crate::snapshots::Snapshot;
use crate::{ClientId, ConversationId, LabelId, UserId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

/// The kinds of events, as named on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EventKind {
    /// A message was stored (inbound, outbound or an internal note).
    #[serde(rename = "message.created")]
    MessageCreated,
    /// A message's delivery status moved forward.
    #[serde(rename = "message.status")]
    MessageStatus,
    /// The patient unsent a message.
    #[serde(rename = "message.deleted")]
    MessageDeleted,
    /// A thread was opened.
    #[serde(rename = "conversation.opened")]
    ConversationOpened,
    /// A thread's inbox fields changed (unread count, last message, assignment, status).
    #[serde(rename = "conversation.updated")]
    ConversationUpdated,
    /// A thread was closed.
    #[serde(rename = "conversation.closed")]
    ConversationClosed,
    /// A member marked a thread read.
    #[serde(rename = "conversation.read")]
    ConversationRead,
    /// The analyst stored a snapshot of a patient.
    #[serde(rename = "snapshot.created")]
    SnapshotCreated,
    /// A client (a lead arriving by webhook, or one created by a member) was created.
    #[serde(rename = "client.created")]
    ClientCreated,
    /// A client's record changed.
    #[serde(rename = "client.updated")]
    ClientUpdated,
    /// A member added an internal note to a thread.
    #[serde(rename = "note.created")]
    NoteCreated,
    /// An admin created a label.
    #[serde(rename = "label.created")]
    LabelCreated,
    /// An admin renamed or recoloured a label.
    #[serde(rename = "label.updated")]
    LabelUpdated,
    /// An admin deleted a label (detached from every thread).
    #[serde(rename = "label.deleted")]
    LabelDeleted,
    /// A member attached a label to a thread.
    #[serde(rename = "label.attached")]
    LabelAttached,
    /// A member detached a label from a thread.
    #[serde(rename = "label.detached")]
    LabelDetached,
}

impl EventKind {
    /// Every kind, in documentation order.
    pub const ALL: [Self; 16] = [
        Self::MessageCreated,
        Self::MessageStatus,
        Self::MessageDeleted,
        Self::ConversationOpened,
        Self::ConversationUpdated,
        Self::ConversationClosed,
        Self::ConversationRead,
        Self::SnapshotCreated,
        Self::ClientCreated,
        Self::ClientUpdated,
        Self::NoteCreated,
        Self::LabelCreated,
        Self::LabelUpdated,
        Self::LabelDeleted,
        Self::LabelAttached,
        Self::LabelDetached,
    ];

    /// The wire name (`message.created`, …).
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::MessageCreated => "message.created",
            Self::MessageStatus => "message.status",
            Self::MessageDeleted => "message.deleted",
            Self::ConversationOpened => "conversation.opened",
            Self::ConversationUpdated => "conversation.updated",
            Self::ConversationClosed => "conversation.closed",
            Self::ConversationRead => "conversation.read",
            Self::SnapshotCreated => "snapshot.created",
            Self::ClientCreated => "client.created",
            Self::ClientUpdated => "client.updated",
            Self::NoteCreated => "note.created",
            Self::LabelCreated => "label.created",
            Self::LabelUpdated => "label.updated",
            Self::LabelDeleted => "label.deleted",
            Self::LabelAttached => "label.attached",
            Self::LabelDetached => "label.detached",
        }
    }

    /// Parses a wire name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An event to append to the log, in the transaction of the change it describes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// The thread it concerns, if any (the stream's `?conversation_id=` filter).
    pub conversation_id: Option<ConversationId>,
    /// The patient it concerns, if any (erasure deletes a patient's events).
    pub client_id: Option<ClientId>,
    /// The JSON object delivered as the event's `data`.
    pub payload: Value,
}

/// An event read back from the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The clinic's id of the event: dense and increasing in commit order.
    pub id: i64,
    /// What happened.
    pub kind: EventKind,
    /// The thread it concerns, if any.
    pub conversation_id: Option<ConversationId>,
    /// The JSON object delivered as the event's `data`.
    pub payload: Value,
    /// When it was appended.
    pub created_at: DateTime<Utc>,
}

/// A message as the API shows it (the shape of `InteractionDto`).
#[must_use]
pub fn message_view(i: &Interaction) -> Value {
    json!({
        "id": i.id.0,
        "conversation_id": i.conversation_id.0,
        "client_id": i.client_id.0,
        "channel": i.channel.as_str(),
        "direction": i.direction.as_str(),
        "content_type": i.content_type.as_str(),
        "text": i.text,
        "media": i.media,
        "metadata": i.metadata,
        "external_id": i.external_id,
        "status": i.status.as_str(),
        "error": i.error,
        "source": i.source.as_str(),
        "sent_by_user_id": i.sent_by_user_id.map(|u| u.0),
        "occurred_at": i.occurred_at,
        "created_at": i.created_at,
        "deleted_at": i.deleted_at,
    })
}

/// A thread as the API shows it (the shape of `ConversationDto`).
#[must_use]
pub fn conversation_view(c: &Conversation) -> Value {
    json!({
        "id": c.id.0,
        "client_id": c.client_id.0,
        "status": c.status.as_str(),
        "channel": c.channel.as_str(),
        "last_inbound_channel": c.last_inbound_channel.map(|ch| ch.as_str()),
        "started_at": c.started_at,
        "ended_at": c.ended_at,
        "close_reason": c.close_reason,
        "closed_by": c.closed_by.map(|u| u.0),
        "last_message_at": c.last_message_at,
        "last_inbound_at": c.last_inbound_at,
        "unread_count": c.unread_count,
        "last_read_at": c.last_read_at,
        "last_read_by": c.last_read_by.map(|u| u.0),
        "last_message": c.last_message.as_ref().map(|m| json!({
            "interaction_id": m.interaction_id.0,
            "snippet": m.snippet,
            "direction": m.direction.as_str(),
            "status": m.status.as_str(),
        })),
    })
}

/// A client as the API shows it (the shape of `ClientDto`).
#[must_use]
pub fn client_view(c: &Client) -> Value {
    json!({
        "id": c.id.0,
        "name": c.name,
        "phone": c.phone.as_ref().map(|p| p.as_str()),
        "email": c.email.as_ref().map(|e| e.as_str()),
        "instagram_username": c.instagram_username.as_ref().map(|u| u.as_str()),
        "notes": c.notes,
        "tags": c.tags,
        "status": c.status.as_str(),
        "identities": c.identities.iter().map(|i| json!({
            "id": i.id,
            "channel": i.channel.as_str(),
            "external_id": i.external_id,
            "display_value": i.display_value,
            "phone": i.phone.as_ref().map(|p| p.as_str()),
            "created_at": i.created_at,
        })).collect::<Vec<_>>(),
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    })
}

/// `client.created` (a lead arriving by webhook, or a client created by a member).
#[must_use]
pub fn client_created(client: &Client) -> NewEvent {
    NewEvent {
        kind: EventKind::ClientCreated,
        conversation_id: None,
        client_id: Some(client.id),
        payload: json!({ "client": client_view(client) }),
    }
}

/// `client.updated`: the client's record as it is now.
#[must_use]
pub fn client_updated(client: &Client) -> NewEvent {
    NewEvent {
        kind: EventKind::ClientUpdated,
        conversation_id: None,
        client_id: Some(client.id),
        payload: json!({ "client": client_view(client) }),
    }
}

/// `message.created` and `conversation.updated` for a message stored in `conversation`.
#[must_use]
pub fn message_stored(message: &Interaction, conversation: &Conversation) -> [NewEvent; 2] {
    [
        NewEvent {
            kind: EventKind::MessageCreated,
            conversation_id: Some(message.conversation_id),
            client_id: Some(message.client_id),
            payload: json!({ "message": message_view(message) }),
        },
        conversation_updated(conversation),
    ]
}

/// `conversation.updated`: the thread as the inbox shows it now.
#[must_use]
pub fn conversation_updated(conversation: &Conversation) -> NewEvent {
    NewEvent {
        kind: EventKind::ConversationUpdated,
        conversation_id: Some(conversation.id),
        client_id: Some(conversation.client_id),
        payload: json!({ "conversation": conversation_view(conversation) }),
    }
}

/// `conversation.opened`.
#[must_use]
pub fn conversation_opened(conversation: &Conversation) -> NewEvent {
    NewEvent {
        kind: EventKind::ConversationOpened,
        conversation_id: Some(conversation.id),
        client_id: Some(conversation.client_id),
        payload: json!({ "conversation": conversation_view(conversation) }),
    }
}

/// `conversation.closed`.
#[must_use]
pub fn conversation_closed(conversation: &Conversation) -> NewEvent {
    NewEvent {
        kind: EventKind::ConversationClosed,
        conversation_id: Some(conversation.id),
        client_id: Some(conversation.client_id),
        payload: json!({ "conversation": conversation_view(conversation) }),
    }
}

/// `conversation.read`: `by` (a member) read the thread at `at`.
#[must_use]
pub fn conversation_read(conversation: &Conversation, by: UserId, at: DateTime<Utc>) -> NewEvent {
    NewEvent {
        kind: EventKind::ConversationRead,
        conversation_id: Some(conversation.id),
        client_id: Some(conversation.client_id),
        payload: json!({
            "conversation_id": conversation.id.0,
            "read_by": by.0,
            "read_at": at,
            "unread_count": conversation.unread_count,
        }),
    }
}

/// `message.status`: a message's delivery status, as it is now.
#[must_use]
pub fn message_status(message: &Interaction) -> NewEvent {
    NewEvent {
        kind: EventKind::MessageStatus,
        conversation_id: Some(message.conversation_id),
        client_id: Some(message.client_id),
        payload: json!({
            "conversation_id": message.conversation_id.0,
            "message_id": message.id.0,
            "status": message.status.as_str(),
            "error": message.error,
            "external_id": message.external_id,
        }),
    }
}

/// `message.deleted`: the patient unsent a message.
#[must_use]
pub fn message_deleted(message: &Interaction) -> NewEvent {
    NewEvent {
        kind: EventKind::MessageDeleted,
        conversation_id: Some(message.conversation_id),
        client_id: Some(message.client_id),
        payload: json!({
            "conversation_id": message.conversation_id.0,
            "message_id": message.id.0,
            "deleted_at": message.deleted_at,
        }),
    }
}

/// A note as the API shows it (the shape of `NoteDto`).
#[must_use]
pub fn note_view(n: &Note) -> Value {
    json!({
        "id": n.id.0,
        "conversation_id": n.conversation_id.0,
        "author": n.author.as_ref().map(|a| json!({"id": a.id.0, "name": a.name})),
        "text": n.text,
        "created_at": n.created_at,
    })
}

/// `note.created`: a member added an internal note to a thread (`client_id` is the thread's
/// patient, so an erasure of the patient deletes it).
#[must_use]
pub fn note_created(note: &Note, client: ClientId) -> NewEvent {
    NewEvent {
        kind: EventKind::NoteCreated,
        conversation_id: Some(note.conversation_id),
        client_id: Some(client),
        payload: json!({ "note": note_view(note) }),
    }
}

/// A label as the API shows it (the shape of `LabelDto`).
#[must_use]
pub fn label_view(l: &Label) -> Value {
    json!({
        "id": l.id.0,
        "name": l.fields.name,
        "colour": l.fields.colour,
        "created_at": l.created_at,
        "updated_at": l.updated_at,
    })
}

/// `label.created` or `label.updated`: the label as it is now.
#[must_use]
pub fn label_written(label: &Label, created: bool) -> NewEvent {
    NewEvent {
        kind: if created {
            EventKind::LabelCreated
        } else {
            EventKind::LabelUpdated
        },
        conversation_id: None,
        client_id: None,
        payload: json!({ "label": label_view(label) }),
    }
}

/// `label.deleted`: the label is gone, and detached from every thread that had it.
#[must_use]
pub fn label_deleted(label: LabelId) -> NewEvent {
    NewEvent {
        kind: EventKind::LabelDeleted,
        conversation_id: None,
        client_id: None,
        payload: json!({ "label_id": label.0 }),
    }
}

/// `label.attached` or `label.detached`: `label` on thread `conversation` (of `client`), by `by`.
#[must_use]
pub fn label_attachment(
    conversation: ConversationId,
    client: ClientId,
    label: &Label,
    attached: bool,
    by: Option<UserId>,
) -> NewEvent {
    NewEvent {
        kind: if attached {
            EventKind::LabelAttached
        } else {
            EventKind::LabelDetached
        },
        conversation_id: Some(conversation),
        client_id: Some(client),
        payload: json!({
            "conversation_id": conversation.0,
            "label": label_view(label),
            "by": by.map(|u| u.0),
        }),
    }
}

/// `snapshot.created`: the analyst stored a snapshot of a patient (its flags and summary, enough
/// for the inbox's side panel; the evidence and usage are read from `/api/snapshots/{id}`).
#[must_use]
pub fn snapshot_created(snapshot: &Snapshot) -> NewEvent {
    let s = &snapshot.data;
    NewEvent {
        kind: EventKind::SnapshotCreated,
        conversation_id: s.source_conversation_id,
        client_id: Some(s.client_id),
        payload: json!({
            "snapshot_id": s.id.0,
            "client_id": s.client_id.0,
            "conversation_id": s.source_conversation_id.map(|c| c.0),
            "summary": s.summary,
            "flags": s.flags,
            "next_best_action": s.next_best_action,
            "trigger": s.trigger.as_str(),
            "locale": s.locale,
            "created_at": snapshot.created_at,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_their_wire_names() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(Value::String(kind.as_str().to_owned()))
            );
        }
        assert_eq!(EventKind::parse("message.nope"), None);
    }
}
