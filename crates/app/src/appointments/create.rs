//! Booking an appointment (or recording a past one).

use crate::crm::FieldIssue;
use chrono::{DateTime, Duration, Utc};
use domain::appointments::{Appointment, AppointmentFields, AppointmentStatus, NewAppointment};
use domain::auth::Tenant;
use domain::ports::appointments::{AppointmentRepository, AppointmentWriteError};
use domain::ports::clock::Clock;
use domain::{AppointmentId, ClientId, ServiceId, UserId};
use std::sync::Arc;

/// What the caller sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateAppointmentInput {
    /// The patient.
    pub client_id: ClientId,
    /// The service.
    pub service_id: ServiceId,
    /// The professional.
    pub user_id: Option<UserId>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End (default: start + the service's duration).
    pub ends_at: Option<DateTime<Utc>>,
    /// Status (default `scheduled`).
    pub status: Option<AppointmentStatus>,
    /// Notes.
    pub notes: Option<String>,
}

/// Why an appointment was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAppointmentError {
    /// Invalid fields, unknown references or a broken status rule.
    #[error("invalid appointment")]
    Invalid(Vec<FieldIssue>),
    /// The professional is already booked at that time.
    #[error("the slot is taken")]
    SlotTaken,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Creates an appointment after checking its references and the status rules; the database
/// refuses overlapping bookings of one professional.
pub struct CreateAppointment {
    appointments: Arc<dyn AppointmentRepository>,
    clock: Arc<dyn Clock>,
}

impl CreateAppointment {
    /// The use case over its ports.
    #[must_use]
    pub fn new(appointments: Arc<dyn AppointmentRepository>, clock: Arc<dyn Clock>) -> Self {
        Self {
            appointments,
            clock,
        }
    }

    /// Runs it; the booking member (if any) is recorded as `created_by`.
    ///
    /// # Errors
    /// [`CreateAppointmentError::Invalid`], [`CreateAppointmentError::SlotTaken`].
    pub async fn run(
        &self,
        tenant: Tenant,
        input: CreateAppointmentInput,
    ) -> Result<Appointment, CreateAppointmentError> {
        let now = self.clock.now();
        let mut issues = Vec::new();
        let notes = super::notes(input.notes, &mut issues);
        let status = input.status.unwrap_or(AppointmentStatus::Scheduled);
        if let Err(rule) = status.check_initial(input.starts_at, now) {
            issues.push(FieldIssue::new("status", rule.to_string()));
        }
        let refs = self
            .appointments
            .check_references(tenant, input.client_id, input.service_id, input.user_id)
            .await?;
        super::reference_issues(&refs, &mut issues);
        let mut ends_at = input.ends_at;
        if let Some((minutes, active)) = refs.service {
            if !active && input.starts_at > now {
                issues.push(FieldIssue::new("service_id", "the service is not active"));
            }
            ends_at = ends_at.or(Some(
                input.starts_at + Duration::minutes(i64::from(minutes)),
            ));
        }
        if let Some(ends_at) = ends_at {
            super::check_times(input.starts_at, ends_at, &mut issues);
        }
        let (true, Some(ends_at)) = (issues.is_empty(), ends_at) else {
            return Err(CreateAppointmentError::Invalid(issues));
        };
        let new = NewAppointment {
            id: AppointmentId::new(),
            fields: AppointmentFields {
                client_id: input.client_id,
                service_id: input.service_id,
                user_id: input.user_id,
                starts_at: input.starts_at,
                ends_at,
                status,
                notes,
                canceled_at: (status == AppointmentStatus::Canceled).then_some(now),
            },
            created_by: tenant.user_id,
        };
        self.appointments
            .create(tenant, new)
            .await
            .map_err(|e| match e {
                AppointmentWriteError::SlotTaken => CreateAppointmentError::SlotTaken,
                AppointmentWriteError::InvalidReference(r) => {
                    CreateAppointmentError::Invalid(vec![super::reference_issue(r)])
                }
                other => CreateAppointmentError::Unknown(anyhow::Error::new(other)),
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::appointments::testing::{clock, from_new, now};
    use crate::clients::testing::tenant;
    use domain::appointments::ReferenceCheck;
    use domain::ports::appointments::MockAppointmentRepository;

    fn input(hours_from_now: i64) -> CreateAppointmentInput {
        CreateAppointmentInput {
            client_id: ClientId::new(),
            service_id: ServiceId::new(),
            user_id: Some(UserId::new()),
            starts_at: now() + Duration::hours(hours_from_now),
            ends_at: None,
            status: None,
            notes: None,
        }
    }

    fn refs(client: bool, service: Option<(i32, bool)>, professional: bool) -> ReferenceCheck {
        ReferenceCheck {
            client,
            service,
            professional,
        }
    }

    #[tokio::test]
    async fn the_end_defaults_to_the_service_duration() {
        let t = tenant();
        let mut repo = MockAppointmentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _, _| Ok(refs(true, Some((45, true)), true)));
        repo.expect_create()
            .withf(move |_, a| {
                a.fields.ends_at - a.fields.starts_at == Duration::minutes(45)
                    && a.fields.status == AppointmentStatus::Scheduled
                    && a.created_by == t.user_id
            })
            .times(1)
            .returning(|_, a| Ok(from_new(a)));
        CreateAppointment::new(Arc::new(repo), Arc::new(clock()))
            .run(t, input(24))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn unknown_references_are_named_without_storing() {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _, _| Ok(refs(false, None, false)));
        repo.expect_create().never();
        let err = CreateAppointment::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), input(24))
            .await
            .unwrap_err();
        let CreateAppointmentError::Invalid(issues) = err else {
            panic!("{err:?}")
        };
        let named: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(named, ["client_id", "service_id", "user_id"]);
    }

    #[tokio::test]
    async fn a_future_appointment_cannot_be_recorded_as_completed() {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _, _| Ok(refs(true, Some((30, true)), true)));
        repo.expect_create().never();
        let mut future = input(2);
        future.status = Some(AppointmentStatus::Completed);
        let err = CreateAppointment::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), future)
            .await
            .unwrap_err();
        assert!(matches!(&err, CreateAppointmentError::Invalid(i) if i[0].field == "status"));
    }

    #[tokio::test]
    async fn a_past_appointment_may_be_recorded_as_completed() {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _, _| Ok(refs(true, Some((30, false)), true)));
        repo.expect_create()
            .times(1)
            .returning(|_, a| Ok(from_new(a)));
        let mut past = input(-48);
        past.status = Some(AppointmentStatus::Completed);
        let a = CreateAppointment::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), past)
            .await
            .unwrap();
        assert_eq!(a.fields.status, AppointmentStatus::Completed);
    }

    #[tokio::test]
    async fn the_end_must_follow_the_start() {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _, _| Ok(refs(true, Some((30, true)), true)));
        repo.expect_create().never();
        let mut bad = input(2);
        bad.ends_at = Some(bad.starts_at);
        let err = CreateAppointment::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), bad)
            .await
            .unwrap_err();
        assert!(matches!(&err, CreateAppointmentError::Invalid(i) if i[0].field == "ends_at"));
    }

    #[tokio::test]
    async fn an_overlap_is_slot_taken() {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _, _| Ok(refs(true, Some((30, true)), true)));
        repo.expect_create()
            .returning(|_, _| Err(AppointmentWriteError::SlotTaken));
        let err = CreateAppointment::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), input(2))
            .await
            .unwrap_err();
        assert!(matches!(err, CreateAppointmentError::SlotTaken));
    }
}
