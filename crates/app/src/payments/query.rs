//! Fetching one payment and listing the clinic's payments.

use domain::auth::Tenant;
use domain::page::{MAX_LIMIT, Page};
use domain::payments::{Payment, PaymentCursor, PaymentFilter, PaymentId};
use domain::ports::payments::PaymentRepository;
use std::sync::Arc;

/// Why a payment could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum GetPaymentError {
    /// No such payment in the caller's clinic.
    #[error("payment not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// One payment.
pub struct GetPayment {
    payments: Arc<dyn PaymentRepository>,
}

impl GetPayment {
    /// The use case over its port.
    #[must_use]
    pub fn new(payments: Arc<dyn PaymentRepository>) -> Self {
        Self { payments }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`GetPaymentError::NotFound`].
    pub async fn run(&self, tenant: Tenant, id: PaymentId) -> Result<Payment, GetPaymentError> {
        self.payments
            .get(tenant, id)
            .await?
            .ok_or(GetPaymentError::NotFound)
    }
}

/// Why the list failed.
#[derive(Debug, thiserror::Error)]
pub enum ListPaymentsError {
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Lists payments, newest first.
pub struct ListPayments {
    payments: Arc<dyn PaymentRepository>,
}

impl ListPayments {
    /// The use case over its port.
    #[must_use]
    pub fn new(payments: Arc<dyn PaymentRepository>) -> Self {
        Self { payments }
    }

    /// Runs it (`limit` clamped to 1..=200).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn run(
        &self,
        tenant: Tenant,
        filter: PaymentFilter,
        after: Option<PaymentCursor>,
        limit: u32,
    ) -> Result<Page<Payment, PaymentCursor>, ListPaymentsError> {
        let limit = limit.clamp(1, MAX_LIMIT);
        Ok(self.payments.list(tenant, filter, after, limit).await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clients::testing::tenant;
    use domain::payments::PaymentStatus;
    use domain::ports::payments::MockPaymentRepository;

    #[tokio::test]
    async fn the_filter_and_a_clamped_limit_reach_the_store() {
        let mut repo = MockPaymentRepository::new();
        repo.expect_list()
            .withf(|_, f, _, limit| f.status == Some(PaymentStatus::Paid) && *limit == 200)
            .times(1)
            .returning(|_, _, _, _| {
                Ok(Page {
                    data: vec![],
                    next: None,
                })
            });
        let filter = PaymentFilter {
            status: Some(PaymentStatus::Paid),
            ..PaymentFilter::default()
        };
        ListPayments::new(Arc::new(repo))
            .run(tenant(), filter, None, 5000)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn another_clinics_payment_is_not_found() {
        let mut repo = MockPaymentRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        let err = GetPayment::new(Arc::new(repo))
            .run(tenant(), PaymentId::new())
            .await
            .unwrap_err();
        assert!(matches!(err, GetPaymentError::NotFound));
    }
}
