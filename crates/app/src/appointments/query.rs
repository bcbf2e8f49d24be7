//! Fetching one appointment and listing the clinic's appointments.

use domain::AppointmentId;
use domain::appointments::{Appointment, AppointmentCursor, AppointmentFilter};
use domain::auth::Tenant;
use domain::page::{MAX_LIMIT, Page};
use domain::ports::appointments::AppointmentRepository;
use std::sync::Arc;

/// Why an appointment could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum GetAppointmentError {
    /// No such appointment in the caller's clinic.
    #[error("appointment not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// One appointment.
pub struct GetAppointment {
    appointments: Arc<dyn AppointmentRepository>,
}

impl GetAppointment {
    /// The use case over its port.
    #[must_use]
    pub fn new(appointments: Arc<dyn AppointmentRepository>) -> Self {
        Self { appointments }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`GetAppointmentError::NotFound`].
    pub async fn run(
        &self,
        tenant: Tenant,
        id: AppointmentId,
    ) -> Result<Appointment, GetAppointmentError> {
        self.appointments
            .get(tenant, id)
            .await?
            .ok_or(GetAppointmentError::NotFound)
    }
}

/// Why the list failed.
#[derive(Debug, thiserror::Error)]
pub enum ListAppointmentsError {
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Lists appointments by start time.
pub struct ListAppointments {
    appointments: Arc<dyn AppointmentRepository>,
}

impl ListAppointments {
    /// The use case over its port.
    #[must_use]
    pub fn new(appointments: Arc<dyn AppointmentRepository>) -> Self {
        Self { appointments }
    }

    /// Runs it (`limit` clamped to 1..=200).
    ///
    /// # Errors
    /// [`ListAppointmentsError::Unknown`] when the store fails.
    pub async fn run(
        &self,
        tenant: Tenant,
        filter: AppointmentFilter,
        after: Option<AppointmentCursor>,
        limit: u32,
    ) -> Result<Page<Appointment, AppointmentCursor>, ListAppointmentsError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        Ok(self.appointments.list(tenant, filter, after, limit).await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clients::testing::tenant;
    use domain::appointments::AppointmentStatus;
    use domain::ports::appointments::MockAppointmentRepository;

    #[tokio::test]
    async fn the_filter_and_a_clamped_limit_reach_the_store() {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_list()
            .withf(|_, f, _, limit| f.status == Some(AppointmentStatus::NoShow) && *limit == 200)
            .times(1)
            .returning(|_, _, _, _| {
                Ok(Page {
                    data: vec![],
                    next: None,
                })
            });
        let filter = AppointmentFilter {
            status: Some(AppointmentStatus::NoShow),
            ..AppointmentFilter::default()
        };
        ListAppointments::new(Arc::new(repo))
            .run(tenant(), filter, None, 10_000)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn another_clinics_appointment_is_not_found() {
        let mut repo = MockAppointmentRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        let err = GetAppointment::new(Arc::new(repo))
            .run(tenant(), AppointmentId::new())
            .await
            .unwrap_err();
        assert!(matches!(err, GetAppointmentError::NotFound));
    }
}
