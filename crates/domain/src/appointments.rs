//! Appointments and their status rules (written down in `docs/domain-rules.md`).

use crate::{AppointmentId, ClientId, ServiceId, UserId};
use chrono::{DateTime, Duration, Utc};
use std::fmt;
use std::str::FromStr;

/// Longest appointment.
pub const MAX_APPOINTMENT: Duration = Duration::hours(24);

/// Where an appointment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentStatus {
    /// Booked (the default).
    Scheduled,
    /// Confirmed by the patient.
    Confirmed,
    /// Took place.
    Completed,
    /// Called off. Final.
    Canceled,
    /// The patient did not come.
    NoShow,
}

/// A status change (or a change of a canceled appointment) the rules forbid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StatusRule {
    /// `completed` / `no_show` before the appointment has started.
    #[error("an appointment can only be completed or marked as a no-show once it has started")]
    NotStartedYet,
    /// Any change to a canceled appointment (other than its notes).
    #[error("a canceled appointment cannot be changed")]
    CanceledIsFinal,
    /// A transition that is not in the table (e.g. `completed` → `scheduled`).
    #[error("this status change is not allowed")]
    NotAllowed,
    /// Moving or reassigning an appointment that is completed or a no-show.
    #[error("only scheduled or confirmed appointments can be rescheduled")]
    NotReschedulable,
}

impl AppointmentStatus {
    /// The stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Confirmed => "confirmed",
            Self::Completed => "completed",
            Self::Canceled => "canceled",
            Self::NoShow => "no_show",
        }
    }

    /// Whether the appointment is still to happen (may be moved, confirmed, canceled).
    #[must_use]
    pub fn is_open(self) -> bool {
        matches!(self, Self::Scheduled | Self::Confirmed)
    }

    /// Whether a new appointment may be recorded with this status, given when it starts.
    /// Past appointments may be recorded (history import) with any status; `completed` and
    /// `no_show` need the start to have passed.
    ///
    /// # Errors
    /// [`StatusRule::NotStartedYet`].
    pub fn check_initial(
        self,
        starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StatusRule> {
        match self {
            Self::Completed | Self::NoShow if starts_at > now => Err(StatusRule::NotStartedYet),
            _ => Ok(()),
        }
    }

    /// Whether the status may go from `self` to `to` for an appointment starting at `starts_at`:
    ///
    /// | from \ to | scheduled | confirmed | completed | no_show | canceled |
    /// |---|---|---|---|---|---|
    /// | scheduled | = | yes | once started | once started | yes |
    /// | confirmed | yes | = | once started | once started | yes |
    /// | completed | no | no | = | yes (correction) | no |
    /// | no_show | no | no | yes (correction) | = | no |
    /// | canceled | no | no | no | no | = |
    ///
    /// # Errors
    /// The [`StatusRule`] broken.
    pub fn check_transition(
        self,
        to: Self,
        starts_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StatusRule> {
        use AppointmentStatus::{Canceled, Completed, Confirmed, NoShow, Scheduled};
        if self == to {
            return Ok(());
        }
        match (self, to) {
            (Canceled, _) => Err(StatusRule::CanceledIsFinal),
            (Scheduled | Confirmed, Scheduled | Confirmed | Canceled) => Ok(()),
            (Scheduled | Confirmed | Completed | NoShow, Completed | NoShow) => {
                to.check_initial(starts_at, now)
            }
            _ => Err(StatusRule::NotAllowed),
        }
    }
}

impl FromStr for AppointmentStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "scheduled" => Ok(Self::Scheduled),
            "confirmed" => Ok(Self::Confirmed),
            "completed" => Ok(Self::Completed),
            "canceled" => Ok(Self::Canceled),
            "no_show" => Ok(Self::NoShow),
            other => Err(format!("unknown appointment status {other:?}")),
        }
    }
}

impl fmt::Display for AppointmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The writable fields of an appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentFields {
    /// The patient.
    pub client_id: ClientId,
    /// The service booked.
    pub service_id: ServiceId,
    /// The professional (a member of the clinic), if assigned.
    pub user_id: Option<UserId>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End (after the start, at most [`MAX_APPOINTMENT`] later).
    pub ends_at: DateTime<Utc>,
    /// Status.
    pub status: AppointmentStatus,
    /// Notes.
    pub notes: Option<String>,
    /// When it was canceled (set with the `canceled` status).
    pub canceled_at: Option<DateTime<Utc>>,
}

/// An appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// Its id.
    pub id: AppointmentId,
    /// Its fields.
    pub fields: AppointmentFields,
    /// The member who booked it, if any.
    pub created_by: Option<UserId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Appointment {
    /// The sort key of the appointment list.
    #[must_use]
    pub fn cursor(&self) -> AppointmentCursor {
        AppointmentCursor {
            starts_at: self.fields.starts_at,
            id: self.id,
        }
    }
}

/// An appointment to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    /// The new id (v7).
    pub id: AppointmentId,
    /// Its fields.
    pub fields: AppointmentFields,
    /// The member booking it.
    pub created_by: Option<UserId>,
}

/// What an appointment references, as seen from its clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceCheck {
    /// The client exists in the clinic.
    pub client: bool,
    /// The service exists in the clinic: its duration in minutes and whether it is active.
    pub service: Option<(i32, bool)>,
    /// The professional is a member of the clinic who is not disabled (`true` when none asked).
    pub professional: bool,
}

/// The sort key of the appointment list (by start, then id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppointmentCursor {
    /// Start of the last appointment of the previous page.
    pub starts_at: DateTime<Utc>,
    /// Its id (tie-breaker).
    pub id: AppointmentId,
}

/// What the appointment list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AppointmentFilter {
    /// Starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub to: Option<DateTime<Utc>>,
    /// Of this client.
    pub client_id: Option<ClientId>,
    /// Of this professional.
    pub user_id: Option<UserId>,
    /// With this status.
    pub status: Option<AppointmentStatus>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::AppointmentStatus::*;
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, h, 0, 0).unwrap()
    }

    #[test]
    fn completed_and_no_show_need_the_start_to_have_passed() {
        let (past, now, future) = (t(9), t(12), t(15));
        for to in [Completed, NoShow] {
            assert_eq!(
                Scheduled.check_transition(to, future, now),
                Err(StatusRule::NotStartedYet)
            );
            assert_eq!(Confirmed.check_transition(to, past, now), Ok(()));
            assert_eq!(
                to.check_initial(future, now),
                Err(StatusRule::NotStartedYet)
            );
            assert_eq!(to.check_initial(past, now), Ok(()));
        }
        assert_eq!(Scheduled.check_initial(past, now), Ok(()));
    }

    #[test]
    fn canceled_is_final() {
        for to in [Scheduled, Confirmed, Completed, NoShow] {
            assert_eq!(
                Canceled.check_transition(to, t(9), t(12)),
                Err(StatusRule::CanceledIsFinal)
            );
        }
        assert_eq!(Canceled.check_transition(Canceled, t(9), t(12)), Ok(()));
    }

    #[test]
    fn closed_appointments_do_not_reopen() {
        for from in [Completed, NoShow] {
            for to in [Scheduled, Confirmed, Canceled] {
                assert_eq!(
                    from.check_transition(to, t(9), t(12)),
                    Err(StatusRule::NotAllowed)
                );
            }
        }
        assert_eq!(Completed.check_transition(NoShow, t(9), t(12)), Ok(()));
        assert_eq!(Scheduled.check_transition(Canceled, t(15), t(12)), Ok(()));
        assert_eq!(Confirmed.check_transition(Scheduled, t(15), t(12)), Ok(()));
    }

    #[test]
    fn statuses_round_trip() {
        for s in [Scheduled, Confirmed, Completed, Canceled, NoShow] {
            assert_eq!(s.as_str().parse(), Ok(s));
        }
        assert!("done".parse::<AppointmentStatus>().is_err());
    }
}
