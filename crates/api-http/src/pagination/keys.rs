//! The sort keys of the lists as they travel inside a cursor: a time as microseconds since the
//! epoch (the database's precision) and an id, or a name and an id.

use chrono::{DateTime, Utc};
use domain::appointments::AppointmentCursor;
use domain::availability::TimeOffCursor;
use domain::catalog::ServiceCursor;
use domain::clients::ClientCursor;
use domain::conversations::SortCursor;
use domain::payments::PaymentCursor;
use domain::snapshots::SnapshotCursor;
use domain::{AppointmentId, ClientId, ServiceId, SnapshotId};
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

/// Implements [`CursorKey`] for a `{ <time field>, <id field> }` key as `[micros, uuid]`.
macro_rules! time_and_id {
    ($key:ty, $time:ident, $id:ident, $wrap:expr, $unwrap:expr) => {
        impl CursorKey for $key {
            type Wire = (i64, Uuid);
            fn to_wire(&self) -> (i64, Uuid) {
                (self.$time.timestamp_micros(), $unwrap(self.$id))
            }
            fn from_wire((micros, id): (i64, Uuid)) -> Option<Self> {
                let $time: DateTime<Utc> = DateTime::from_timestamp_micros(micros)?;
                Some(Self {
                    $time,
                    $id: $wrap(id),
                })
            }
        }
    };
}

time_and_id!(SortCursor, at, id, |id| id, |id| id);
time_and_id!(ClientCursor, created_at, id, ClientId, |id: ClientId| id.0);
time_and_id!(
    PaymentCursor,
    created_at,
    id,
    domain::payments::PaymentId,
    |id: domain::payments::PaymentId| id.0
);
time_and_id!(
    SnapshotCursor,
    created_at,
    id,
    SnapshotId,
    |id: SnapshotId| id.0
);
time_and_id!(
    AppointmentCursor,
    starts_at,
    id,
    AppointmentId,
    |id: AppointmentId| id.0
);
time_and_id!(
    TimeOffCursor,
    starts_at,
    id,
    domain::availability::TimeOffId,
    |id: domain::availability::TimeOffId| id.0
);

impl CursorKey for ServiceCursor {
    type Wire = (String, Uuid);
    fn to_wire(&self) -> (String, Uuid) {
        (self.name.clone(), self.id.0)
    }
    fn from_wire((name, id): (String, Uuid)) -> Option<Self> {
        Some(Self {
            name,
            id: ServiceId(id),
        })
    }
}
