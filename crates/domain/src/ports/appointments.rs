//! Storage of appointments.

use crate::appointments::{
    Appointment, AppointmentCursor, AppointmentFields, AppointmentFilter, NewAppointment,
    ReferenceCheck,
};
use crate::auth::Tenant;
use crate::page::Page;
use crate::{AppointmentId, ClientId, ServiceId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A reference of an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentRef {
    /// `client_id`.
    Client,
    /// `service_id`.
    Service,
    /// `user_id` (the professional).
    Professional,
}

/// Why an appointment could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AppointmentWriteError {
    /// The professional has another non-canceled appointment overlapping this one.
    #[error("the professional is already booked at that time")]
    SlotTaken,
    /// A referenced row is not (or no longer) in the clinic.
    #[error("unknown reference {0:?}")]
    InvalidReference(AppointmentRef),
    /// No such appointment in the clinic.
    #[error("appointment not found")]
    NotFound,
    /// The appointment changed since it was read.
    #[error("the appointment was changed concurrently")]
    Stale,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The clinic's appointments.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AppointmentRepository: Send + Sync {
    /// Which of the references exist in the clinic (another clinic's ids simply do not).
    ///
    /// # Errors
    /// When the store fails.
    async fn check_references(
        &self,
        tenant: Tenant,
        client_id: ClientId,
        service_id: ServiceId,
        user_id: Option<UserId>,
    ) -> anyhow::Result<ReferenceCheck>;

    /// Stores a new appointment. The database refuses overlaps (an exclusion constraint), so
    /// concurrent bookings of one slot cannot both succeed.
    ///
    /// # Errors
    /// [`AppointmentWriteError::SlotTaken`], [`AppointmentWriteError::InvalidReference`].
    async fn create(
        &self,
        tenant: Tenant,
        appointment: NewAppointment,
    ) -> Result<Appointment, AppointmentWriteError>;

    /// One appointment of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, tenant: Tenant, id: AppointmentId) -> anyhow::Result<Option<Appointment>>;

    /// Replaces the appointment's fields if it is unchanged since `expected_updated_at`.
    ///
    /// # Errors
    /// [`AppointmentWriteError::NotFound`], [`AppointmentWriteError::Stale`],
    /// [`AppointmentWriteError::SlotTaken`], [`AppointmentWriteError::InvalidReference`].
    async fn update(
        &self,
        tenant: Tenant,
        id: AppointmentId,
        fields: AppointmentFields,
        expected_updated_at: DateTime<Utc>,
    ) -> Result<Appointment, AppointmentWriteError>;

    /// A page of the clinic's appointments matching `filter`, by start time, after `after`.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(
        &self,
        tenant: Tenant,
        filter: AppointmentFilter,
        after: Option<AppointmentCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Appointment, AppointmentCursor>>;
}
