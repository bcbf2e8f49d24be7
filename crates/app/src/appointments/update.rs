//! Changing an appointment: rescheduling, reassigning, status changes and notes.

use crate::crm::FieldIssue;
use chrono::{DateTime, Utc};
use domain::appointments::{Appointment, AppointmentStatus, StatusRule};
use domain::auth::Tenant;
use domain::ports::appointments::{AppointmentRepository, AppointmentWriteError};
use domain::ports::clock::Clock;
use domain::{AppointmentId, ClientId, ServiceId, UserId};
use std::sync::Arc;

/// A partial change: `None` keeps a field, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppointmentPatch {
    /// The patient.
    pub client_id: Option<ClientId>,
    /// The service.
    pub service_id: Option<ServiceId>,
    /// The professional.
    pub user_id: Option<Option<UserId>>,
    /// Start (without `ends_at`, the appointment keeps its length).
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Status.
    pub status: Option<AppointmentStatus>,
    /// Notes.
    pub notes: Option<Option<String>>,
}

/// Why an appointment was not updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateAppointmentError {
    /// No such appointment in the caller's clinic.
    #[error("appointment not found")]
    NotFound,
    /// Invalid fields, unknown references or a broken status rule.
    #[error("invalid appointment change")]
    Invalid(Vec<FieldIssue>),
    /// The professional is already booked at the new time.
    #[error("the slot is taken")]
    SlotTaken,
    /// Changed by someone else meanwhile.
    #[error("the appointment was changed concurrently")]
    Conflict,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Applies an [`AppointmentPatch`] under the status rules.
pub struct UpdateAppointment {
    appointments: Arc<dyn AppointmentRepository>,
    clock: Arc<dyn Clock>,
}

impl UpdateAppointment {
    /// The use case over its ports.
    #[must_use]
    pub fn new(appointments: Arc<dyn AppointmentRepository>, clock: Arc<dyn Clock>) -> Self {
        Self {
            appointments,
            clock,
        }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`UpdateAppointmentError::NotFound`], [`UpdateAppointmentError::Invalid`],
    /// [`UpdateAppointmentError::SlotTaken`], [`UpdateAppointmentError::Conflict`].
    pub async fn run(
        &self,
        tenant: Tenant,
        id: AppointmentId,
        patch: AppointmentPatch,
    ) -> Result<Appointment, UpdateAppointmentError> {
        let current = self
            .appointments
            .get(tenant, id)
            .await?
            .ok_or(UpdateAppointmentError::NotFound)?;
        let now = self.clock.now();
        let old = &current.fields;
        let mut next = old.clone();
        let mut issues = Vec::new();
        if let Some(notes) = patch.notes {
            next.notes = super::notes(notes, &mut issues);
        }
        next.client_id = patch.client_id.unwrap_or(old.client_id);
        next.service_id = patch.service_id.unwrap_or(old.service_id);
        next.user_id = patch.user_id.unwrap_or(old.user_id);
        next.starts_at = patch.starts_at.unwrap_or(old.starts_at);
        next.ends_at = match (patch.starts_at, patch.ends_at) {
            (_, Some(ends_at)) => ends_at,
            (Some(starts_at), None) => starts_at + (old.ends_at - old.starts_at),
            (None, None) => old.ends_at,
        };
        let moved: Vec<&'static str> = [
            ("client_id", next.client_id != old.client_id),
            ("service_id", next.service_id != old.service_id),
            ("user_id", next.user_id != old.user_id),
            ("starts_at", next.starts_at != old.starts_at),
            ("ends_at", next.ends_at != old.ends_at),
        ]
        .into_iter()
        .filter_map(|(field, changed)| changed.then_some(field))
        .collect();
        if !old.status.is_open() {
            let rule = if old.status == AppointmentStatus::Canceled {
                StatusRule::CanceledIsFinal
            } else {
                StatusRule::NotReschedulable
            };
            issues.extend(moved.iter().map(|f| FieldIssue::new(*f, rule.to_string())));
        }
        if let Some(status) = patch.status {
            match old.status.check_transition(status, next.starts_at, now) {
                Ok(()) => next.status = status,
                Err(rule) => issues.push(FieldIssue::new("status", rule.to_string())),
            }
        }
        if next.status == AppointmentStatus::Canceled && old.status != AppointmentStatus::Canceled {
            next.canceled_at = Some(now);
        }
        if moved.contains(&"starts_at") || moved.contains(&"ends_at") {
            super::check_times(next.starts_at, next.ends_at, &mut issues);
        }
        let refs_moved = moved
            .iter()
            .any(|f| matches!(*f, "client_id" | "service_id" | "user_id"));
        if refs_moved && issues.is_empty() {
            let mut refs = self
                .appointments
                .check_references(tenant, next.client_id, next.service_id, next.user_id)
                .await?;
            // Only what changed is judged: an existing reference stays valid.
            refs.client |= !moved.contains(&"client_id");
            refs.professional |= !moved.contains(&"user_id");
            if moved.contains(&"service_id") {
                if let Some((_, false)) = refs.service
                    && next.starts_at > now
                {
                    issues.push(FieldIssue::new("service_id", "the service is not active"));
                }
            } else {
                refs.service = refs.service.or(Some((0, true)));
            }
            super::reference_issues(&refs, &mut issues);
        }
        if !issues.is_empty() {
            return Err(UpdateAppointmentError::Invalid(issues));
        }
        if next == current.fields {
            return Ok(current);
        }
        self.appointments
            .update(tenant, id, next, current.updated_at)
            .await
            .map_err(|e| match e {
                AppointmentWriteError::SlotTaken => UpdateAppointmentError::SlotTaken,
                AppointmentWriteError::InvalidReference(r) => {
                    UpdateAppointmentError::Invalid(vec![super::reference_issue(r)])
                }
                AppointmentWriteError::NotFound => UpdateAppointmentError::NotFound,
                AppointmentWriteError::Stale => UpdateAppointmentError::Conflict,
                AppointmentWriteError::Other(e) => UpdateAppointmentError::Unknown(e),
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::appointments::testing::{clock, now, stored};
    use crate::clients::testing::tenant;
    use chrono::Duration;
    use domain::appointments::ReferenceCheck;
    use domain::ports::appointments::MockAppointmentRepository;

    fn repo_with(current: Appointment) -> MockAppointmentRepository {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_get()
            .returning(move |_, _| Ok(Some(current.clone())));
        repo
    }

    async fn run(
        repo: MockAppointmentRepository,
        id: AppointmentId,
        patch: AppointmentPatch,
    ) -> Result<Appointment, UpdateAppointmentError> {
        UpdateAppointment::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), id, patch)
            .await
    }

    fn fields_named(err: &UpdateAppointmentError) -> Vec<String> {
        match err {
            UpdateAppointmentError::Invalid(i) => i.iter().map(|i| i.field.clone()).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn canceling_sets_canceled_at_and_is_final() {
        let current = stored(AppointmentStatus::Scheduled, 24);
        let id = current.id;
        let mut repo = repo_with(current.clone());
        repo.expect_update()
            .withf(|_, _, f, _| {
                f.status == AppointmentStatus::Canceled && f.canceled_at == Some(now())
            })
            .times(1)
            .returning(move |_, _, f, _| {
                let mut a = current.clone();
                a.fields = f;
                Ok(a)
            });
        let patch = AppointmentPatch {
            status: Some(AppointmentStatus::Canceled),
            ..AppointmentPatch::default()
        };
        run(repo, id, patch).await.unwrap();

        let canceled = stored(AppointmentStatus::Canceled, 24);
        let mut repo = repo_with(canceled.clone());
        repo.expect_update().never();
        let patch = AppointmentPatch {
            status: Some(AppointmentStatus::Scheduled),
            starts_at: Some(now() + Duration::hours(30)),
            ..AppointmentPatch::default()
        };
        let err = run(repo, canceled.id, patch).await.unwrap_err();
        assert_eq!(fields_named(&err), ["starts_at", "ends_at", "status"]);
    }

    #[tokio::test]
    async fn completing_a_future_appointment_is_refused() {
        let current = stored(AppointmentStatus::Confirmed, 3);
        let mut repo = repo_with(current.clone());
        repo.expect_update().never();
        let patch = AppointmentPatch {
            status: Some(AppointmentStatus::Completed),
            ..AppointmentPatch::default()
        };
        let err = run(repo, current.id, patch).await.unwrap_err();
        assert_eq!(fields_named(&err), ["status"]);
    }

    #[tokio::test]
    async fn moving_the_start_keeps_the_length() {
        let current = stored(AppointmentStatus::Scheduled, 3);
        let new_start = now() + Duration::hours(5);
        let mut repo = repo_with(current.clone());
        repo.expect_check_references().never();
        repo.expect_update()
            .withf(move |_, _, f, _| {
                f.starts_at == new_start && f.ends_at == new_start + Duration::minutes(30)
            })
            .times(1)
            .returning(move |_, _, f, _| {
                let mut a = current.clone();
                a.fields = f;
                Ok(a)
            });
        let patch = AppointmentPatch {
            starts_at: Some(new_start),
            ..AppointmentPatch::default()
        };
        let id = AppointmentId::new();
        run(repo, id, patch).await.unwrap();
    }

    #[tokio::test]
    async fn a_completed_appointment_cannot_be_moved() {
        let current = stored(AppointmentStatus::Completed, -3);
        let mut repo = repo_with(current.clone());
        repo.expect_update().never();
        let patch = AppointmentPatch {
            user_id: Some(None),
            ..AppointmentPatch::default()
        };
        let err = run(repo, current.id, patch).await.unwrap_err();
        assert_eq!(fields_named(&err), ["user_id"]);
    }

    #[tokio::test]
    async fn a_new_professional_must_belong_to_the_clinic() {
        let current = stored(AppointmentStatus::Scheduled, 3);
        let mut repo = repo_with(current.clone());
        repo.expect_check_references()
            .times(1)
            .returning(|_, _, _, _| {
                Ok(ReferenceCheck {
                    client: true,
                    service: Some((30, true)),
                    professional: false,
                })
            });
        repo.expect_update().never();
        let patch = AppointmentPatch {
            user_id: Some(Some(UserId::new())),
            ..AppointmentPatch::default()
        };
        let err = run(repo, current.id, patch).await.unwrap_err();
        assert_eq!(fields_named(&err), ["user_id"]);
    }

    #[tokio::test]
    async fn a_taken_slot_and_a_concurrent_change_are_reported() {
        let current = stored(AppointmentStatus::Scheduled, 3);
        let mut repo = repo_with(current.clone());
        repo.expect_update()
            .returning(|_, _, _, _| Err(AppointmentWriteError::SlotTaken));
        let patch = AppointmentPatch {
            ends_at: Some(current.fields.ends_at + Duration::minutes(30)),
            ..AppointmentPatch::default()
        };
        let err = run(repo, current.id, patch.clone()).await.unwrap_err();
        assert!(matches!(err, UpdateAppointmentError::SlotTaken));
        let mut repo = repo_with(current.clone());
        repo.expect_update()
            .returning(|_, _, _, _| Err(AppointmentWriteError::Stale));
        let err = run(repo, current.id, patch).await.unwrap_err();
        assert!(matches!(err, UpdateAppointmentError::Conflict));
    }
}
