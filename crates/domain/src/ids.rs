//! Typed identifiers. Every id is a UUID (v7 when Atende creates it), wrapped so that a client id
//! can never be passed where a company id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (v7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The wrapped UUID.
            #[must_use]
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(value: Uuid) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// A clinic (tenant).
    CompanyId
);
id_type!(
    /// A clinic member (`users` row).
    UserId
);
id_type!(
    /// A sign-in identity (`auth_identities` row, or a Supabase Auth user id).
    AuthUserId
);
id_type!(
    /// A patient or lead.
    ClientId
);
id_type!(
    /// A service offered by a clinic.
    ServiceId
);
id_type!(
    /// An appointment.
    AppointmentId
);
id_type!(
    /// A conversation thread.
    ConversationId
);
id_type!(
    /// A message (inbound or outbound) in a thread.
    InteractionId
);
id_type!(
    /// A channel integration (WhatsApp, Instagram, n8n, OpenAI).
    IntegrationId
);
id_type!(
    /// An AI context snapshot.
    SnapshotId
);
id_type!(
    /// A durable background job.
    JobId
);
id_type!(
    /// A member's internal note on a conversation.
    NoteId
);
id_type!(
    /// A clinic's conversation label.
    LabelId
);
