//! Weekly opening hours as sorted local minute ranges.

use crate::reads::WorkingHours;
use chrono::Weekday;

/// `[start, end)` in minutes since local midnight (`start < end <= 1440`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalRange {
    /// First minute.
    pub start: u16,
    /// The minute after the last.
    pub end: u16,
}

/// Sorted, disjoint ranges per weekday (Monday first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekSchedule([Vec<LocalRange>; 7]);

/// The `working_hours` key of a weekday.
#[must_use]
pub fn day_key(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// `"HH:MM"` as minutes since midnight.
#[must_use]
pub fn parse_hhmm(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

impl WeekSchedule {
    /// The ranges of stored hours. Stored hours were validated on the way in; anything
    /// unreadable (an unknown day, a malformed time, an empty range) is left out rather than
    /// guessed, and overlapping ranges are merged.
    #[must_use]
    pub fn from_hours(hours: &WorkingHours) -> Self {
        let mut week = Self::default();
        for (index, slot) in week.0.iter_mut().enumerate() {
            let Some(day) = u8::try_from(index)
                .ok()
                .and_then(|i| Weekday::try_from(i).ok())
            else {
                continue;
            };
            let mut ranges: Vec<LocalRange> = hours
                .get(day_key(day))
                .into_iter()
                .flatten()
                .filter_map(|r| {
                    let (start, end) = (parse_hhmm(&r.start)?, parse_hhmm(&r.end)?);
                    (start < end).then_some(LocalRange { start, end })
                })
                .collect();
            ranges.sort_unstable();
            let mut merged: Vec<LocalRange> = Vec::with_capacity(ranges.len());
            for r in ranges {
                match merged.last_mut() {
                    Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                    _ => merged.push(r),
                }
            }
            *slot = merged;
        }
        week
    }

    /// The ranges of `day`.
    #[must_use]
    pub fn day(&self, day: Weekday) -> &[LocalRange] {
        &self.0[day.num_days_from_monday() as usize]
    }

    /// The times both schedules are open.
    #[must_use]
    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Self::default();
        for (i, slot) in out.0.iter_mut().enumerate() {
            let (a, b) = (&self.0[i], &other.0[i]);
            let (mut x, mut y) = (0, 0);
            while x < a.len() && y < b.len() {
                let start = a[x].start.max(b[y].start);
                let end = a[x].end.min(b[y].end);
                if start < end {
                    slot.push(LocalRange { start, end });
                }
                if a[x].end < b[y].end {
                    x += 1;
                } else {
                    y += 1;
                }
            }
        }
        out
    }

    /// Whether no day has any range.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reads::TimeRange;

    fn hours(day: &str, ranges: &[(&str, &str)]) -> WorkingHours {
        let mut h = WorkingHours::new();
        h.insert(
            day.into(),
            ranges
                .iter()
                .map(|(s, e)| TimeRange {
                    start: (*s).into(),
                    end: (*e).into(),
                })
                .collect(),
        );
        h
    }

    fn r(start: u16, end: u16) -> LocalRange {
        LocalRange { start, end }
    }

    #[test]
    fn ranges_are_parsed_sorted_merged_and_unreadable_ones_left_out() {
        let w = WeekSchedule::from_hours(&hours(
            "mon",
            &[
                ("13:00", "18:00"),
                ("08:00", "12:00"),
                ("11:30", "12:30"),
                ("9h", "10:00"),
                ("10:00", "09:00"),
            ],
        ));
        assert_eq!(w.day(Weekday::Mon), [r(480, 750), r(780, 1080)]);
        assert!(w.day(Weekday::Tue).is_empty());
        let odd = WeekSchedule::from_hours(&hours("holiday", &[("08:00", "12:00")]));
        assert!(odd.is_closed());
    }

    #[test]
    fn the_intersection_keeps_the_breaks_of_both() {
        let clinic =
            WeekSchedule::from_hours(&hours("mon", &[("08:00", "12:00"), ("13:00", "18:00")]));
        let member = WeekSchedule::from_hours(&hours(
            "mon",
            &[("10:00", "14:00"), ("15:00", "16:00"), ("17:30", "20:00")],
        ));
        assert_eq!(
            clinic.intersect(&member).day(Weekday::Mon),
            [r(600, 720), r(780, 840), r(900, 960), r(1050, 1080)]
        );
        assert!(clinic.intersect(&WeekSchedule::default()).is_closed());
    }
}
