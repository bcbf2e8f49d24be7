#![allow(clippy::unwrap_used)]

use super::*;
use crate::availability::{BusyKind, conflicts_with_buffer};
use crate::reads::TimeRange;
use chrono::TimeZone;

fn hours(days: &[(&str, &[(&str, &str)])]) -> WorkingHours {
    days.iter()
        .map(|(day, ranges)| {
            (
                (*day).to_owned(),
                ranges
                    .iter()
                    .map(|(s, e)| TimeRange {
                        start: (*s).into(),
                        end: (*e).into(),
                    })
                    .collect(),
            )
        })
        .collect()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

/// A zone table at a fixed offset (hours east of UTC) for what `needed_local_times` asks.
fn fixed_zone(offset_hours: i64, needed: &[(NaiveDate, u16)]) -> ZoneTable {
    let mut z = ZoneTable::new();
    for &(date, minute) in needed {
        let local =
            date.and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::minutes(i64::from(minute));
        z.insert(date, minute, local - Duration::hours(offset_hours));
    }
    z
}

fn ctx(
    clinic: WorkingHours,
    professionals: Vec<Professional>,
    buffer: u32,
    step: u32,
) -> AvailabilityContext {
    AvailabilityContext {
        timezone: "America/Sao_Paulo".into(),
        clinic_hours: clinic,
        buffer_minutes: buffer,
        slot_step_minutes: step,
        service: None,
        professional_known: true,
        professionals,
        zone: ZoneTable::new(),
    }
}

fn pro(id: UserId, weekly: WorkingHours, busy: Vec<Busy>) -> Professional {
    Professional {
        user_id: id,
        weekly_hours: weekly,
        busy,
    }
}

/// Fills the context's zone table at a fixed offset and computes.
fn compute(
    mut c: AvailabilityContext,
    duration: u32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    offset: i64,
) -> SlotList {
    let weekly: Vec<&WorkingHours> = c.professionals.iter().map(|p| &p.weekly_hours).collect();
    let needed = needed_local_times(from, to, &c.clinic_hours, &weekly);
    c.zone = fixed_zone(offset, &needed);
    free_slots(&c, duration, from, to, now)
}

fn starts(list: &SlotList) -> Vec<DateTime<Utc>> {
    list.slots.iter().map(|s| s.starts_at).collect()
}

fn long_ago() -> DateTime<Utc> {
    utc(2000, 1, 1, 0, 0)
}

#[test]
fn slots_fill_the_ranges_both_are_open_and_never_cross_a_break() {
    // Monday 2026-03-09, São Paulo (UTC-3 in 2026).
    let clinic = hours(&[("mon", &[("08:00", "12:00"), ("13:00", "15:00")])]);
    let member = hours(&[("mon", &[("09:00", "14:00")])]);
    let p = UserId::new();
    let list = compute(
        ctx(clinic, vec![pro(p, member, vec![])], 0, 30),
        60,
        utc(2026, 3, 9, 0, 0),
        utc(2026, 3, 10, 0, 0),
        long_ago(),
        -3,
    );
    // 09:00–12:00 and 13:00–14:00 local: 09:00, 09:30, 10:00, 10:30, 11:00, 13:00.
    assert_eq!(
        starts(&list),
        [12, 12, 13, 13, 14, 16]
            .iter()
            .zip([0, 30, 0, 30, 0, 0])
            .map(|(h, m)| utc(2026, 3, 9, *h, m))
            .collect::<Vec<_>>()
    );
    assert!(
        list.slots
            .iter()
            .all(|s| s.user_id == p && s.ends_at - s.starts_at == Duration::hours(1))
    );
    assert!(!list.truncated);
}

#[test]
fn the_buffer_keeps_time_free_after_each_appointment_on_both_sides() {
    let clinic = hours(&[("mon", &[("08:00", "12:00")])]);
    let p = UserId::new();
    // An appointment 09:00–10:00 local (12:00–13:00 UTC); 15-minute buffer, 30-minute service.
    let busy = vec![Busy {
        starts_at: utc(2026, 3, 9, 12, 0),
        ends_at: utc(2026, 3, 9, 13, 0),
        kind: BusyKind::Appointment,
    }];
    let list = compute(
        ctx(clinic.clone(), vec![pro(p, clinic, busy)], 15, 15),
        30,
        utc(2026, 3, 9, 0, 0),
        utc(2026, 3, 10, 0, 0),
        long_ago(),
        -3,
    );
    let local: Vec<(u32, u32)> = list
        .slots
        .iter()
        .map(|s| {
            let t = s.starts_at - Duration::hours(3);
            (chrono::Timelike::hour(&t), chrono::Timelike::minute(&t))
        })
        .collect();
    // 08:15 + 30 min + 15 min buffer ends exactly at 09:00: free. 08:30 would run into it.
    // 10:00 + 15 min buffer: the next start is 10:15.
    assert_eq!(
        local,
        [
            (8, 0),
            (8, 15),
            (10, 15),
            (10, 30),
            (10, 45),
            (11, 0),
            (11, 15),
            (11, 30)
        ]
    );
}

#[test]
fn time_off_blocks_without_a_buffer_and_now_and_the_range_bound_the_starts() {
    let clinic = hours(&[
        ("mon", &[("08:00", "12:00")]),
        ("tue", &[("08:00", "12:00")]),
    ]);
    let p = UserId::new();
    // Off Monday 10:00 local until Tuesday 09:00 local.
    let busy = vec![Busy {
        starts_at: utc(2026, 3, 9, 13, 0),
        ends_at: utc(2026, 3, 10, 12, 0),
        kind: BusyKind::TimeOff,
    }];
    let c = ctx(clinic.clone(), vec![pro(p, clinic, busy)], 30, 60);
    // "Now" is Monday 08:10 local: 08:00 is gone.
    let list = compute(
        c,
        60,
        utc(2026, 3, 9, 0, 0),
        utc(2026, 3, 10, 14, 0),
        utc(2026, 3, 9, 11, 10),
        -3,
    );
    // Monday 09:00 (ends 10:00 as the time off starts: no buffer with time off); Tuesday 09:00,
    // 10:00 (a start at 11:00 local is 14:00 UTC, the range's end).
    assert_eq!(
        starts(&list),
        [
            utc(2026, 3, 9, 12, 0),
            utc(2026, 3, 10, 12, 0),
            utc(2026, 3, 10, 13, 0)
        ]
    );
}

#[test]
fn overlapping_professionals_are_each_free_on_their_own_agenda() {
    let clinic = hours(&[("mon", &[("08:00", "10:00")])]);
    let (a, b) = (UserId::new(), UserId::new());
    let busy_a = vec![Busy {
        starts_at: utc(2026, 3, 9, 11, 0),
        ends_at: utc(2026, 3, 9, 12, 0),
        kind: BusyKind::Appointment,
    }];
    let list = compute(
        ctx(
            clinic.clone(),
            vec![pro(a, clinic.clone(), busy_a), pro(b, clinic, vec![])],
            0,
            60,
        ),
        60,
        utc(2026, 3, 9, 0, 0),
        utc(2026, 3, 10, 0, 0),
        long_ago(),
        -3,
    );
    let got: Vec<(DateTime<Utc>, UserId)> = list
        .slots
        .iter()
        .map(|s| (s.starts_at, s.user_id))
        .collect();
    let mut expected = vec![
        (utc(2026, 3, 9, 11, 0), b),
        (utc(2026, 3, 9, 12, 0), a),
        (utc(2026, 3, 9, 12, 0), b),
    ];
    expected.sort_unstable_by_key(|(t, u)| (*t, *u));
    assert_eq!(got, expected);
}

#[test]
fn a_range_that_spans_a_dst_change_gets_its_real_length() {
    // São Paulo, Sunday 2018-11-04: clocks went from 00:00 to 01:00 (UTC-3 to UTC-2). A range
    // 00:00–03:00 local is 03:00Z–05:00Z: two real hours, four 30-minute slots, not six.
    let clinic = hours(&[("sun", &[("00:00", "03:00")])]);
    let p = UserId::new();
    let mut c = ctx(clinic.clone(), vec![pro(p, clinic, vec![])], 0, 30);
    let day = NaiveDate::from_ymd_opt(2018, 11, 4).unwrap();
    let mut zone = ZoneTable::new();
    zone.insert(day, 0, utc(2018, 11, 4, 3, 0));
    zone.insert(day, 180, utc(2018, 11, 4, 5, 0));
    c.zone = zone;
    let list = free_slots(
        &c,
        30,
        utc(2018, 11, 4, 0, 0),
        utc(2018, 11, 5, 0, 0),
        long_ago(),
    );
    assert_eq!(
        starts(&list),
        [
            utc(2018, 11, 4, 3, 0),
            utc(2018, 11, 4, 3, 30),
            utc(2018, 11, 4, 4, 0),
            utc(2018, 11, 4, 4, 30)
        ]
    );
    // A date the table lacks (the adapter was not asked for it) yields nothing, not a guess.
    assert!(
        free_slots(
            &c,
            30,
            utc(2018, 11, 11, 0, 0),
            utc(2018, 11, 12, 0, 0),
            long_ago()
        )
        .slots
        .is_empty()
    );
}

#[test]
fn the_local_weekday_decides_even_when_the_utc_date_is_the_next_one() {
    // Saturday 20:00–23:00 in São Paulo is Sunday 23:00Z–02:00Z.
    let clinic = hours(&[("sat", &[("20:00", "23:00")])]);
    let p = UserId::new();
    let list = compute(
        ctx(clinic.clone(), vec![pro(p, clinic, vec![])], 0, 60),
        60,
        utc(2026, 3, 14, 12, 0),
        utc(2026, 3, 15, 12, 0),
        long_ago(),
        -3,
    );
    assert_eq!(
        starts(&list),
        [
            utc(2026, 3, 14, 23, 0),
            utc(2026, 3, 15, 0, 0),
            utc(2026, 3, 15, 1, 0)
        ]
    );
}

#[test]
fn at_most_max_slots_are_returned_the_earliest_first() {
    let all_day = hours(&[
        ("mon", &[("00:00", "23:55")]),
        ("tue", &[("00:00", "23:55")]),
        ("wed", &[("00:00", "23:55")]),
        ("thu", &[("00:00", "23:55")]),
        ("fri", &[("00:00", "23:55")]),
        ("sat", &[("00:00", "23:55")]),
        ("sun", &[("00:00", "23:55")]),
    ]);
    let p = UserId::new();
    let from = utc(2026, 3, 1, 0, 0);
    let list = compute(
        ctx(all_day.clone(), vec![pro(p, all_day, vec![])], 0, 5),
        5,
        from,
        from + Duration::days(31),
        long_ago(),
        0,
    );
    assert!(list.truncated);
    assert_eq!(list.slots.len(), MAX_SLOTS);
    assert_eq!(list.slots[0].starts_at, from);
    assert!(
        list.slots
            .windows(2)
            .all(|w| w[0].starts_at < w[1].starts_at)
    );
}

#[test]
fn availability_and_the_booking_rule_agree_on_every_start() {
    // Every candidate start on a 5-minute grid around an appointment, for several buffers and
    // durations: offered exactly when `conflicts_with_buffer` (what booking enforces) says no.
    let s = utc(2026, 3, 9, 12, 0);
    let e = utc(2026, 3, 9, 12, 45);
    let busy = [Busy {
        starts_at: s,
        ends_at: e,
        kind: BusyKind::Appointment,
    }];
    for buffer in [0_u32, 5, 10, 30] {
        for duration in [5_u32, 30, 50] {
            let d = Duration::minutes(i64::from(duration));
            let b = blocked(&busy, d, Duration::minutes(i64::from(buffer)));
            for k in -30..30 {
                let t = s + Duration::minutes(5 * k);
                assert_eq!(
                    is_blocked(&b, t),
                    conflicts_with_buffer(t, t + d, s, e, buffer),
                    "buffer {buffer}, duration {duration}, start {t}"
                );
            }
        }
    }
}
