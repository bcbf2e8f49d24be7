//! No-show risk from the appointment history and the patient's own words.
//!
//! Points are added up; 0 is `low`, 1–2 `medium`, 3 or more `high`.
//! - Missed appointments (`n` of `total`): 3 points when `n ≥ 3`, or `n ≥ 2` and `n/total ≥ 40%`;
//!   2 points when `n ≥ 2` or `n/total ≥ 25%`; 1 point for a single, rarer miss.
//! - Canceled appointments (`c` of `total`, only when `c ≥ 2`): 2 points when `c/total ≥ 50%`,
//!   1 point when `c/total ≥ 25%`.
//! - Language in the patient's messages: each message calling an appointment off
//!   ("desmarcar", "cancelar", "não vou poder"…) is worth 1 point, each asking to move one
//!   ("remarcar", "adiar"…) half a point; at most 2 points in all.

use domain::snapshots::{ClientFacts, NoShowRisk};

/// The risk for `facts` when `cancel_messages` inbound messages call an appointment off and
/// `reschedule_messages` others ask to move one.
pub(super) fn no_show_risk(
    facts: &ClientFacts,
    cancel_messages: usize,
    reschedule_messages: usize,
) -> NoShowRisk {
    let points = missed_points(facts)
        + canceled_points(facts)
        + language_points(cancel_messages, reschedule_messages);
    match points {
        0 => NoShowRisk::Low,
        1 | 2 => NoShowRisk::Medium,
        _ => NoShowRisk::High,
    }
}

fn missed_points(facts: &ClientFacts) -> u32 {
    let n = facts.appointments_no_show;
    let total = facts.appointments_total.max(n).max(1);
    if n >= 3 || (n >= 2 && 5 * n >= 2 * total) {
        3
    } else if n >= 2 || (n >= 1 && 4 * n >= total) {
        2
    } else {
        u32::from(n >= 1)
    }
}

fn canceled_points(facts: &ClientFacts) -> u32 {
    let c = facts.appointments_canceled;
    let total = facts.appointments_total.max(c).max(1);
    if c < 2 {
        0
    } else if 2 * c >= total {
        2
    } else {
        u32::from(4 * c >= total)
    }
}

fn language_points(cancel_messages: usize, reschedule_messages: usize) -> u32 {
    let halves = cancel_messages
        .saturating_mul(2)
        .saturating_add(reschedule_messages);
    u32::try_from((halves / 2).min(2)).unwrap_or(2)
}
