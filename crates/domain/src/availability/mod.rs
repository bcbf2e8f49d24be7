//! Free slots (`GET /api/availability`), members' weekly schedules and time off. The rules are
//! written down in `docs/domain-rules.md` ("Availability").
//!
//! Everything here is pure: the clinic's and the professionals' hours are local wall-clock
//! ranges per weekday ([`WeekSchedule`]); turning a local time of a given date into an instant is
//! the time-zone database's job, done by the adapter (PostgreSQL's `AT TIME ZONE`) for exactly the
//! `(date, minute)` pairs [`needed_local_times`] names, and handed over as a [`ZoneTable`]. Slots
//! are then laid out and checked in UTC, so a day with a DST change gets the hours it really
//! has.

mod slots;
mod time_off;
mod week;

pub use slots::{Busy, BusyKind, Professional, Slot, SlotList, free_slots, needed_local_times};
pub use time_off::{
    MAX_REASON_CHARS, MAX_TIME_OFF, NewTimeOff, TimeOff, TimeOffCursor, TimeOffFields,
    TimeOffFilter, TimeOffId,
};
pub use week::{LocalRange, WeekSchedule};

use crate::reads::WorkingHours;
use crate::{ServiceId, UserId};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::HashMap;

/// The longest range one availability request may cover.
pub const MAX_RANGE: Duration = Duration::days(31);
/// At most this many slots are returned (the earliest ones); `truncated` says when more exist.
pub const MAX_SLOTS: usize = 5000;
/// Largest buffer between appointments, in minutes.
pub const MAX_BUFFER_MINUTES: u32 = 240;
/// Smallest and largest spacing of offered start times, in minutes.
pub const SLOT_STEP_MINUTES: std::ops::RangeInclusive<u32> = 5..=240;

/// Whether a new appointment `[starts_at, ends_at)` of a professional conflicts with one of
/// theirs `[other_start, other_end)` when `buffer_minutes` must stay free after each: the rule
/// availability applies and booking enforces (`infra_postgres`'s buffered overlap check is its
/// SQL form).
#[must_use]
pub fn conflicts_with_buffer(
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    other_start: DateTime<Utc>,
    other_end: DateTime<Utc>,
    buffer_minutes: u32,
) -> bool {
    let buffer = Duration::minutes(i64::from(buffer_minutes));
    starts_at < other_end + buffer && other_start < ends_at + buffer
}

/// What `GET /api/availability` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotQuery {
    /// The service to book (its duration is the slot length).
    pub service_id: ServiceId,
    /// One professional, or every bookable one.
    pub user_id: Option<UserId>,
    /// Slots starting at or after.
    pub from: DateTime<Utc>,
    /// Slots starting before.
    pub to: DateTime<Utc>,
}

/// The service as availability sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceSlot {
    /// Minutes.
    pub duration_minutes: u32,
    /// Whether it may be booked.
    pub active: bool,
}

/// Local wall-clock times of given dates turned into instants by the clinic's time zone. A
/// nonexistent local time (inside a spring-forward gap) reads with the offset before the jump; an
/// ambiguous one (inside a fall-back overlap) as the later instant (PostgreSQL's rules).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneTable(HashMap<(NaiveDate, u16), DateTime<Utc>>);

impl ZoneTable {
    /// An empty table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `minute` (since local midnight) of local `date` is `at`.
    pub fn insert(&mut self, date: NaiveDate, minute: u16, at: DateTime<Utc>) {
        self.0.insert((date, minute), at);
    }

    /// The instant of `minute` of local `date`, if the table has it.
    #[must_use]
    pub fn get(&self, date: NaiveDate, minute: u16) -> Option<DateTime<Utc>> {
        self.0.get(&(date, minute)).copied()
    }
}

/// Everything the slot computation needs, read in one unit of work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityContext {
    /// The clinic's IANA time zone (echoed to the caller).
    pub timezone: String,
    /// The clinic's opening hours.
    pub clinic_hours: WorkingHours,
    /// Minutes kept free after every open appointment.
    pub buffer_minutes: u32,
    /// Spacing of offered start times.
    pub slot_step_minutes: u32,
    /// The service, if it is the clinic's.
    pub service: Option<ServiceSlot>,
    /// When one professional was asked: whether they are an active member of the clinic.
    pub professional_known: bool,
    /// The bookable professionals considered (active members with a schedule), with what keeps
    /// them busy around the range.
    pub professionals: Vec<Professional>,
    /// The local times of [`needed_local_times`], converted.
    pub zone: ZoneTable,
}

/// A member's weekly schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSchedule {
    /// The member.
    pub user_id: UserId,
    /// Their hours, in the clinic's local time.
    pub weekly_hours: WorkingHours,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
