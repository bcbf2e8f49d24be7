//! The sort keys of the lists as they travel inside a cursor: a time as microseconds since the
//! epoch (the database's precision) and an id, or a name and an id.

use chrono::{DateTime, Utc};
use domain::appointments::AppointmentCursor;
use domain::availability::{TimeOffCursor, TimeOffId};
use domain::catalog::ServiceCursor;
use domain::clients::ClientCursor;
use domain::conversations::SortCursor;
use domain::labels::LabelCursor;
use domain::payments::{PaymentCursor, PaymentId};
use domain::search::MessageHitCursor;
use domain::snapshots::SnapshotCursor;
use domain::{AppointmentId, ClientId, InteractionId, LabelId, ServiceId, SnapshotId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// A sort key that travels inside a cursor.
pub trait CursorKey: Sized {
    /// Its JSON form.
    type Wire: Serialize + DeserializeOwned;
    /// The JSON form of the key.
    fn to_wire(&self) -> Self::Wire;
    /// The key back, or `None` when the JSON form holds no valid key.
    fn from_wire(wire: Self::Wire) -> Option<Self>;
}

impl CursorKey for Uuid {
    type Wire = Uuid;
    fn to_wire(&self) -> Uuid {
        *self
    }
    fn from_wire(wire: Uuid) -> Option<Self> {
        Some(wire)
    }
}

/// Implements [`CursorKey`] for a `{ <time field>, id }` key as `[micros, "<uuid>"]` (ids are
/// transparent uuids in serde).
macro_rules! time_and_id {
    ($key:ty, $time:ident, $id:ty) => {
        impl CursorKey for $key {
            type Wire = (i64, $id);
            fn to_wire(&self) -> Self::Wire {
                (self.$time.timestamp_micros(), self.id)
            }
            fn from_wire((micros, id): Self::Wire) -> Option<Self> {
                let $time: DateTime<Utc> = DateTime::from_timestamp_micros(micros)?;
                Some(Self { $time, id })
            }
        }
    };
}

time_and_id!(SortCursor, at, Uuid);
time_and_id!(ClientCursor, created_at, ClientId);
time_and_id!(PaymentCursor, created_at, PaymentId);
time_and_id!(SnapshotCursor, created_at, SnapshotId);
time_and_id!(AppointmentCursor, starts_at, AppointmentId);
time_and_id!(TimeOffCursor, starts_at, TimeOffId);
time_and_id!(MessageHitCursor, occurred_at, InteractionId);

impl CursorKey for LabelCursor {
    type Wire = (String, LabelId);
    fn to_wire(&self) -> Self::Wire {
        (self.name.clone(), self.id)
    }
    fn from_wire((name, id): Self::Wire) -> Option<Self> {
        Some(Self { name, id })
    }
}

impl CursorKey for ServiceCursor {
    type Wire = (String, ServiceId);
    fn to_wire(&self) -> Self::Wire {
        (self.name.clone(), self.id)
    }
    fn from_wire((name, id): Self::Wire) -> Option<Self> {
        Some(Self { name, id })
    }
}
