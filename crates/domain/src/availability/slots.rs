//! Laying out free slots.

use super::week::WeekSchedule;
use super::{AvailabilityContext, MAX_SLOTS, ZoneTable};
use crate::UserId;
use crate::reads::WorkingHours;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::collections::BTreeSet;

/// Why a professional is not free for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusyKind {
    /// A non-canceled appointment: the buffer applies around it.
    Appointment,
    /// Time off: no buffer.
    TimeOff,
}

/// `[starts_at, ends_at)` during which a professional is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// What it is.
    pub kind: BusyKind,
}

/// A bookable professional and what keeps them busy around the asked range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Professional {
    /// The member.
    pub user_id: UserId,
    /// Their own weekly hours (local time).
    pub weekly_hours: WorkingHours,
    /// Their appointments and time off that may touch the range.
    pub busy: Vec<Busy>,
}

/// A bookable start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Start + the service's duration.
    pub ends_at: DateTime<Utc>,
    /// The professional.
    pub user_id: UserId,
}

/// The free slots, by start time then professional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotList {
    /// At most [`MAX_SLOTS`].
    pub slots: Vec<Slot>,
    /// Whether more slots existed than were returned.
    pub truncated: bool,
}

/// The local dates whose hours may produce a slot starting in `[from, to)`: every UTC date of
/// the range and one more on each side (no offset reaches a day).
fn local_dates(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<NaiveDate> {
    let (first, last) = (from.date_naive(), to.date_naive());
    let mut dates = Vec::new();
    let mut d = first.pred_opt().unwrap_or(first);
    let end = last.succ_opt().unwrap_or(last);
    while d <= end {
        dates.push(d);
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
    }
    dates
}

/// The `(local date, minute)` pairs whose instants [`free_slots`] will look up: the opening and
/// closing of every range where the clinic and a professional are both open, on every date that
/// may hold a slot of `[from, to)`.
#[must_use]
pub fn needed_local_times(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    clinic_hours: &WorkingHours,
    professional_hours: &[&WorkingHours],
) -> Vec<(NaiveDate, u16)> {
    let clinic = WeekSchedule::from_hours(clinic_hours);
    let weeks: Vec<WeekSchedule> = professional_hours
        .iter()
        .map(|h| clinic.intersect(&WeekSchedule::from_hours(h)))
        .collect();
    let mut out = BTreeSet::new();
    for date in local_dates(from, to) {
        for week in &weeks {
            for r in week.day(date.weekday()) {
                out.insert((date, r.start));
                out.insert((date, r.end));
            }
        }
    }
    out.into_iter().collect()
}

/// Candidate starts `t` that conflict with something, as open intervals `(lo, hi)`: sorted,
/// disjoint (`lo < t < hi` is a conflict).
fn blocked(
    busy: &[Busy],
    duration: Duration,
    buffer: Duration,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = busy
        .iter()
        .map(|b| match b.kind {
            // [t, t + d) vs [s, e) with the buffer after each: t < e + buffer && s < t + d + buffer.
            BusyKind::Appointment => (b.starts_at - duration - buffer, b.ends_at + buffer),
            // [t, t + d) must not overlap [s, e): t < e && s < t + d.
            BusyKind::TimeOff => (b.starts_at - duration, b.ends_at),
        })
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::with_capacity(spans.len());
    for (lo, hi) in spans {
        match merged.last_mut() {
            // Open intervals that merely touch leave their shared end free.
            Some(last) if lo < last.1 => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

fn is_blocked(blocked: &[(DateTime<Utc>, DateTime<Utc>)], t: DateTime<Utc>) -> bool {
    let i = blocked.partition_point(|(lo, _)| *lo < t);
    i > 0 && t < blocked[i - 1].1
}

/// The free slots of `ctx` starting in `[from, to)` and not before `now`, for a service of
/// `duration_minutes`: on every local date, in every range where the clinic and the professional
/// are both open, start times every `slot_step_minutes` from the range's opening (instants, so a
/// range that spans a DST change gets its real length), each fitting in the range, clear of
/// time off and of every non-canceled appointment with `buffer_minutes` kept free after each
/// ([`super::conflicts_with_buffer`]).
#[must_use]
pub fn free_slots(
    ctx: &AvailabilityContext,
    duration_minutes: u32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SlotList {
    let duration = Duration::minutes(i64::from(duration_minutes.max(1)));
    let step = Duration::minutes(i64::from(ctx.slot_step_minutes.max(1)));
    let buffer = Duration::minutes(i64::from(ctx.buffer_minutes));
    let earliest = from.max(now);
    let clinic = WeekSchedule::from_hours(&ctx.clinic_hours);
    let dates = local_dates(from, to);
    let mut slots = Vec::new();
    for p in &ctx.professionals {
        let week = clinic.intersect(&WeekSchedule::from_hours(&p.weekly_hours));
        let blocked = blocked(&p.busy, duration, buffer);
        for &date in &dates {
            for range in week.day(date.weekday()) {
                lay_out(
                    &ctx.zone,
                    date,
                    (range.start, range.end),
                    (duration, step),
                    (earliest, to),
                    &blocked,
                    p.user_id,
                    &mut slots,
                );
            }
        }
    }
    slots.sort_unstable();
    slots.dedup();
    let truncated = slots.len() > MAX_SLOTS;
    slots.truncate(MAX_SLOTS);
    SlotList { slots, truncated }
}

#[allow(clippy::too_many_arguments)]
fn lay_out(
    zone: &ZoneTable,
    date: NaiveDate,
    (open, close): (u16, u16),
    (duration, step): (Duration, Duration),
    (earliest, to): (DateTime<Utc>, DateTime<Utc>),
    blocked: &[(DateTime<Utc>, DateTime<Utc>)],
    user_id: UserId,
    out: &mut Vec<Slot>,
) {
    let (Some(opens), Some(closes)) = (zone.get(date, open), zone.get(date, close)) else {
        return;
    };
    if earliest >= closes.min(to) {
        return;
    }
    let mut t = opens;
    if earliest > t {
        // Skip whole steps up to the first start that is not too early (cheap for long ranges).
        let steps = (earliest - t)
            .num_seconds()
            .div_euclid(step.num_seconds().max(1));
        t += step * i32::try_from(steps).unwrap_or(i32::MAX);
        if t < earliest {
            t += step;
        }
    }
    while t + duration <= closes && t < to {
        if !is_blocked(blocked, t) {
            out.push(Slot {
                starts_at: t,
                ends_at: t + duration,
                user_id,
            });
        }
        t += step;
    }
}

#[cfg(test)]
#[path = "slots_tests.rs"]
mod tests;
