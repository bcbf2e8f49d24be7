//! Storage of payments.

use crate::auth::Tenant;
use crate::page::Page;
use crate::payments::{
    NewPayment, Payment, PaymentCursor, PaymentFields, PaymentFilter, PaymentId, PaymentReferences,
};
use crate::{AppointmentId, ClientId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Why a payment was not written.
#[derive(Debug, thiserror::Error)]
pub enum PaymentWriteError {
    /// The client or the appointment is not (or no longer) the clinic's.
    #[error("unknown reference")]
    InvalidReference,
    /// No such payment in the clinic.
    #[error("payment not found")]
    NotFound,
    /// The payment changed since it was read.
    #[error("the payment was changed concurrently")]
    Stale,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The clinic's payments.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PaymentRepository: Send + Sync {
    /// Whether the client exists in the clinic and, when an appointment is named, whose it is
    /// (another clinic's ids simply do not exist).
    ///
    /// # Errors
    /// When the store fails.
    async fn check_references(
        &self,
        tenant: Tenant,
        client_id: ClientId,
        appointment_id: Option<AppointmentId>,
    ) -> anyhow::Result<PaymentReferences>;

    /// Stores a new payment.
    ///
    /// # Errors
    /// [`PaymentWriteError::InvalidReference`].
    async fn create(
        &self,
        tenant: Tenant,
        payment: NewPayment,
    ) -> Result<Payment, PaymentWriteError>;

    /// One payment of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, tenant: Tenant, id: PaymentId) -> anyhow::Result<Option<Payment>>;

    /// Replaces the payment's fields if it is unchanged since `expected_updated_at`.
    ///
    /// # Errors
    /// [`PaymentWriteError::NotFound`], [`PaymentWriteError::Stale`],
    /// [`PaymentWriteError::InvalidReference`].
    async fn update(
        &self,
        tenant: Tenant,
        id: PaymentId,
        fields: PaymentFields,
        expected_updated_at: DateTime<Utc>,
    ) -> Result<Payment, PaymentWriteError>;

    /// A page of the clinic's payments matching `filter`, newest first, after `after`.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(
        &self,
        tenant: Tenant,
        filter: PaymentFilter,
        after: Option<PaymentCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Payment, PaymentCursor>>;
}
