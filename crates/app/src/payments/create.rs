//! Recording a payment.

use super::{check, reference_issues};
use crate::crm::FieldIssue;
use chrono::{DateTime, Utc};
use domain::auth::Tenant;
use domain::catalog::Currency;
use domain::payments::{
    NewPayment, Payment, PaymentFields, PaymentId, PaymentMethod, PaymentStatus,
};
use domain::ports::clock::Clock;
use domain::ports::payments::{PaymentRepository, PaymentWriteError};
use domain::{AppointmentId, ClientId};
use std::sync::Arc;

/// What the caller sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePaymentInput {
    /// Who pays.
    pub client_id: ClientId,
    /// What for.
    pub appointment_id: Option<AppointmentId>,
    /// Cents.
    pub amount_cents: i64,
    /// ISO 4217 (default `BRL`).
    pub currency: Option<String>,
    /// Default `pending`.
    pub status: Option<PaymentStatus>,
    /// How.
    pub method: Option<PaymentMethod>,
    /// When it was received (default: now, for a paid payment).
    pub paid_at: Option<DateTime<Utc>>,
}

/// Why a payment was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum CreatePaymentError {
    /// Invalid fields or references.
    #[error("invalid payment")]
    Invalid(Vec<FieldIssue>),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Records a payment of one of the clinic's clients, optionally for one of that client's
/// appointments.
pub struct CreatePayment {
    payments: Arc<dyn PaymentRepository>,
    clock: Arc<dyn Clock>,
}

impl CreatePayment {
    /// The use case over its ports.
    #[must_use]
    pub fn new(payments: Arc<dyn PaymentRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { payments, clock }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`CreatePaymentError::Invalid`] naming each bad field.
    pub async fn run(
        &self,
        tenant: Tenant,
        input: CreatePaymentInput,
    ) -> Result<Payment, CreatePaymentError> {
        let now = self.clock.now();
        let mut issues = Vec::new();
        let currency = match input.currency.as_deref().map(Currency::parse) {
            None => Currency::BRL,
            Some(Ok(c)) => c,
            Some(Err(_)) => {
                issues.push(FieldIssue::new("currency", "three upper-case letters"));
                Currency::BRL
            }
        };
        let status = input.status.unwrap_or(PaymentStatus::Pending);
        let fields = PaymentFields {
            client_id: input.client_id,
            appointment_id: input.appointment_id,
            amount_cents: input.amount_cents,
            currency,
            status,
            method: input.method,
            paid_at: if status.was_paid() {
                input.paid_at.or(Some(now))
            } else {
                input.paid_at
            },
        };
        check(&fields, now, &mut issues);
        let refs = self
            .payments
            .check_references(tenant, fields.client_id, fields.appointment_id)
            .await?;
        reference_issues(&refs, &fields, &mut issues);
        if !issues.is_empty() {
            return Err(CreatePaymentError::Invalid(issues));
        }
        let new = NewPayment {
            id: PaymentId::new(),
            fields,
        };
        self.payments
            .create(tenant, new)
            .await
            .map_err(|e| match e {
                PaymentWriteError::InvalidReference => {
                    CreatePaymentError::Invalid(vec![FieldIssue::new(
                        "client_id",
                        "no such client or appointment",
                    )])
                }
                other => CreatePaymentError::Unknown(anyhow::Error::new(other)),
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::appointments::testing::{clock, now};
    use crate::clients::testing::tenant;
    use crate::payments::testing::from_new;
    use chrono::Duration;
    use domain::payments::PaymentReferences;
    use domain::ports::payments::MockPaymentRepository;

    fn input() -> CreatePaymentInput {
        CreatePaymentInput {
            client_id: ClientId::new(),
            appointment_id: None,
            amount_cents: 15_000,
            currency: None,
            status: None,
            method: Some(PaymentMethod::Pix),
            paid_at: None,
        }
    }

    fn refs(client: bool, appointment_client: Option<ClientId>) -> PaymentReferences {
        PaymentReferences {
            client,
            appointment_client,
        }
    }

    fn fields_of(err: CreatePaymentError) -> Vec<String> {
        match err {
            CreatePaymentError::Invalid(i) => i.into_iter().map(|i| i.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_paid_payment_defaults_paid_at_to_now_and_needs_a_method() {
        let mut repo = MockPaymentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _| Ok(refs(true, None)));
        repo.expect_create()
            .withf(|_, p| {
                p.fields.paid_at == Some(now())
                    && p.fields.currency == Currency::BRL
                    && p.fields.status == PaymentStatus::Paid
            })
            .times(1)
            .returning(|_, p| Ok(from_new(p)));
        let uc = CreatePayment::new(Arc::new(repo), Arc::new(clock()));
        let mut paid = input();
        paid.status = Some(PaymentStatus::Paid);
        uc.run(tenant(), paid.clone()).await.unwrap();
        paid.method = None;
        assert_eq!(
            fields_of(uc.run(tenant(), paid).await.unwrap_err()),
            ["method"]
        );
    }

    #[tokio::test]
    async fn bad_amounts_currencies_and_paid_at_are_named_without_storing() {
        let mut repo = MockPaymentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _| Ok(refs(true, None)));
        repo.expect_create().never();
        let uc = CreatePayment::new(Arc::new(repo), Arc::new(clock()));
        let mut bad = input();
        bad.amount_cents = 0;
        bad.currency = Some("real".into());
        bad.paid_at = Some(now());
        assert_eq!(
            fields_of(uc.run(tenant(), bad).await.unwrap_err()),
            ["currency", "amount_cents", "paid_at"]
        );
        let mut future = input();
        future.status = Some(PaymentStatus::Paid);
        future.paid_at = Some(now() + Duration::hours(1));
        assert_eq!(
            fields_of(uc.run(tenant(), future).await.unwrap_err()),
            ["paid_at"]
        );
    }

    #[tokio::test]
    async fn the_appointment_must_be_the_clients() {
        let mut repo = MockPaymentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _| Ok(refs(true, Some(ClientId::new()))));
        repo.expect_create().never();
        let mut linked = input();
        linked.appointment_id = Some(AppointmentId::new());
        let err = CreatePayment::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), linked)
            .await
            .unwrap_err();
        assert_eq!(fields_of(err), ["appointment_id"]);
    }

    #[tokio::test]
    async fn another_clinics_client_and_appointment_are_unknown() {
        let mut repo = MockPaymentRepository::new();
        repo.expect_check_references()
            .returning(|_, _, _| Ok(refs(false, None)));
        repo.expect_create().never();
        let mut linked = input();
        linked.appointment_id = Some(AppointmentId::new());
        let err = CreatePayment::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), linked)
            .await
            .unwrap_err();
        assert_eq!(fields_of(err), ["client_id", "appointment_id"]);
    }
}
