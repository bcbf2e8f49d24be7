//! Appointment use cases and their rules (see `docs/domain-rules.md`).

mod create;
mod query;
mod update;

pub use create::{CreateAppointment, CreateAppointmentError, CreateAppointmentInput};
pub use query::{GetAppointment, GetAppointmentError, ListAppointments, ListAppointmentsError};
pub use update::{AppointmentPatch, UpdateAppointment, UpdateAppointmentError};

use crate::crm::FieldIssue;
use chrono::{DateTime, Utc};
use domain::appointments::{MAX_APPOINTMENT, ReferenceCheck};
use domain::clients::{MAX_NOTES_CHARS, clean_text};
use domain::ports::appointments::AppointmentRef;

/// `ends_at` after `starts_at`, at most a day later.
fn check_times(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>, issues: &mut Vec<FieldIssue>) {
    if ends_at <= starts_at {
        issues.push(FieldIssue::new("ends_at", "must be after starts_at"));
    } else if ends_at - starts_at > MAX_APPOINTMENT {
        issues.push(FieldIssue::new(
            "ends_at",
            "an appointment lasts at most 24 hours",
        ));
    }
}

/// Trimmed notes within the limit, `None` when blank.
fn notes(raw: Option<String>, issues: &mut Vec<FieldIssue>) -> Option<String> {
    let value = raw.as_deref().and_then(clean_text)?;
    if value.chars().count() > MAX_NOTES_CHARS {
        issues.push(FieldIssue::new(
            "notes",
            format!("at most {MAX_NOTES_CHARS} characters"),
        ));
    }
    Some(value)
}

/// The issues of references that are not in the clinic (another clinic's ids are simply
/// unknown: the message never hints that they exist elsewhere).
fn reference_issues(check: &ReferenceCheck, issues: &mut Vec<FieldIssue>) {
    if !check.client {
        issues.push(reference_issue(AppointmentRef::Client));
    }
    if check.service.is_none() {
        issues.push(reference_issue(AppointmentRef::Service));
    }
    if !check.professional {
        issues.push(reference_issue(AppointmentRef::Professional));
    }
}

/// The issue of one unknown reference.
fn reference_issue(reference: AppointmentRef) -> FieldIssue {
    match reference {
        AppointmentRef::Client => FieldIssue::new("client_id", "no such client"),
        AppointmentRef::Service => FieldIssue::new("service_id", "no such service"),
        AppointmentRef::Professional => {
            FieldIssue::new("user_id", "no such active member of the clinic")
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Fixtures of the appointment use-case tests.
    #![allow(clippy::unwrap_used)]

    use chrono::{DateTime, Duration, TimeZone, Utc};
    use domain::appointments::{Appointment, AppointmentFields, AppointmentStatus, NewAppointment};
    use domain::ports::clock::MockClock;
    use domain::{AppointmentId, ClientId, ServiceId, UserId};

    /// "Now" in these tests.
    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
    }

    /// A clock stuck at [`now`].
    pub fn clock() -> MockClock {
        let mut c = MockClock::new();
        c.expect_now().return_const(now());
        c
    }

    /// What the store returns for `new`.
    pub fn from_new(new: NewAppointment) -> Appointment {
        Appointment {
            id: new.id,
            fields: new.fields,
            created_by: new.created_by,
            created_at: now(),
            updated_at: now(),
        }
    }

    /// A stored appointment starting `hours_from_now` hours from [`now`], for 30 minutes.
    pub fn stored(status: AppointmentStatus, hours_from_now: i64) -> Appointment {
        let starts_at = now() + Duration::hours(hours_from_now);
        Appointment {
            id: AppointmentId::new(),
            fields: AppointmentFields {
                client_id: ClientId::new(),
                service_id: ServiceId::new(),
                user_id: Some(UserId::new()),
                starts_at,
                ends_at: starts_at + Duration::minutes(30),
                status,
                notes: None,
                canceled_at: None,
            },
            created_by: None,
            created_at: now() - Duration::days(1),
            updated_at: now() - Duration::days(1),
        }
    }
}
