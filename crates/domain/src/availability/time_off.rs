//! A professional's time off.

use crate::UserId;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// Longest time off, in one entry.
pub const MAX_TIME_OFF: Duration = Duration::days(366);
/// Longest reason, in characters.
pub const MAX_REASON_CHARS: usize = 200;

/// A time-off entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimeOffId(pub Uuid);

impl TimeOffId {
    /// A new time-ordered (v7) id.
    #[must_use]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for TimeOffId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for TimeOffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The writable fields of a time-off entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOffFields {
    /// The professional.
    pub user_id: UserId,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End (after the start, at most [`MAX_TIME_OFF`] later).
    pub ends_at: DateTime<Utc>,
    /// Why (shown to the clinic's members).
    pub reason: Option<String>,
}

/// A stored time-off entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOff {
    /// Its id.
    pub id: TimeOffId,
    /// Its fields.
    pub fields: TimeOffFields,
    /// Who recorded it.
    pub created_by: Option<UserId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl TimeOff {
    /// The sort key of the list.
    #[must_use]
    pub fn cursor(&self) -> TimeOffCursor {
        TimeOffCursor {
            starts_at: self.fields.starts_at,
            id: self.id,
        }
    }
}

/// A time-off entry to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTimeOff {
    /// The new id (v7).
    pub id: TimeOffId,
    /// Its fields.
    pub fields: TimeOffFields,
    /// The member recording it.
    pub created_by: Option<UserId>,
}

/// The list's sort key (start, then id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeOffCursor {
    /// Start of the last entry of the previous page.
    pub starts_at: DateTime<Utc>,
    /// Its id.
    pub id: TimeOffId,
}

/// What the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeOffFilter {
    /// Of this professional.
    pub user_id: Option<UserId>,
    /// Ending after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub to: Option<DateTime<Utc>>,
}
