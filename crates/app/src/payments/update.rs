//! Changing a payment: marking it paid, refunding or canceling it, correcting it.

use super::{check, reference_issues};
use crate::crm::FieldIssue;
use chrono::{DateTime, Utc};
use domain::auth::Tenant;
use domain::catalog::Currency;
use domain::payments::{Payment, PaymentId, PaymentMethod, PaymentRule, PaymentStatus};
use domain::ports::clock::Clock;
use domain::ports::payments::{PaymentRepository, PaymentWriteError};
use domain::{AppointmentId, ClientId};
use std::sync::Arc;

/// A partial change: `None` keeps a field, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentPatch {
    /// Who pays.
    pub client_id: Option<ClientId>,
    /// What for.
    pub appointment_id: Option<Option<AppointmentId>>,
    /// Cents.
    pub amount_cents: Option<i64>,
    /// ISO 4217.
    pub currency: Option<String>,
    /// Status.
    pub status: Option<PaymentStatus>,
    /// How.
    pub method: Option<Option<PaymentMethod>>,
    /// When it was received.
    pub paid_at: Option<Option<DateTime<Utc>>>,
}

/// Why a payment was not changed.
#[derive(Debug, thiserror::Error)]
pub enum UpdatePaymentError {
    /// No such payment in the caller's clinic.
    #[error("payment not found")]
    NotFound,
    /// Invalid fields, references, or a broken rule.
    #[error("invalid payment change")]
    Invalid(Vec<FieldIssue>),
    /// Changed by someone else meanwhile.
    #[error("the payment was changed concurrently")]
    Conflict,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Applies a [`PaymentPatch`] under the payment rules: statuses move pending → paid → refunded
/// or pending → canceled; amount, currency, client and appointment change only while pending;
/// refunded and canceled payments are final; moving to `paid` without `paid_at` records now.
pub struct UpdatePayment {
    payments: Arc<dyn PaymentRepository>,
    clock: Arc<dyn Clock>,
}

impl UpdatePayment {
    /// The use case over its ports.
    #[must_use]
    pub fn new(payments: Arc<dyn PaymentRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { payments, clock }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`UpdatePaymentError::NotFound`], [`UpdatePaymentError::Invalid`],
    /// [`UpdatePaymentError::Conflict`].
    pub async fn run(
        &self,
        tenant: Tenant,
        id: PaymentId,
        patch: PaymentPatch,
    ) -> Result<Payment, UpdatePaymentError> {
        let current = self
            .payments
            .get(tenant, id)
            .await?
            .ok_or(UpdatePaymentError::NotFound)?;
        let now = self.clock.now();
        let old = &current.fields;
        let mut next = old.clone();
        let mut issues = Vec::new();
        next.client_id = patch.client_id.unwrap_or(old.client_id);
        next.appointment_id = patch.appointment_id.unwrap_or(old.appointment_id);
        next.amount_cents = patch.amount_cents.unwrap_or(old.amount_cents);
        if let Some(code) = &patch.currency {
            match Currency::parse(code) {
                Ok(c) => next.currency = c,
                Err(_) => issues.push(FieldIssue::new("currency", "three upper-case letters")),
            }
        }
        next.method = patch.method.unwrap_or(old.method);
        next.paid_at = patch.paid_at.unwrap_or(old.paid_at);
        if let Some(status) = patch.status {
            match old.status.check_transition(status) {
                Ok(()) => next.status = status,
                Err(rule) => issues.push(FieldIssue::new("status", rule.to_string())),
            }
        }
        if next.status == PaymentStatus::Paid && next.paid_at.is_none() && patch.paid_at.is_none() {
            next.paid_at = Some(now);
        }
        let changed = [
            ("client_id", next.client_id != old.client_id),
            ("appointment_id", next.appointment_id != old.appointment_id),
            ("amount_cents", next.amount_cents != old.amount_cents),
            ("currency", next.currency != old.currency),
            ("method", next.method != old.method),
            ("paid_at", next.paid_at != old.paid_at),
        ];
        for (field, differs) in changed {
            if !differs {
                continue;
            }
            if old.status.is_final() {
                issues.push(FieldIssue::new(field, PaymentRule::Final.to_string()));
            } else if old.status != PaymentStatus::Pending
                && matches!(
                    field,
                    "client_id" | "appointment_id" | "amount_cents" | "currency"
                )
            {
                issues.push(FieldIssue::new(field, PaymentRule::NotPending.to_string()));
            }
        }
        if issues.is_empty() {
            check(&next, now, &mut issues);
        }
        let refs_changed =
            next.client_id != old.client_id || next.appointment_id != old.appointment_id;
        if refs_changed && issues.is_empty() {
            let refs = self
                .payments
                .check_references(tenant, next.client_id, next.appointment_id)
                .await?;
            reference_issues(&refs, &next, &mut issues);
        }
        if !issues.is_empty() {
            return Err(UpdatePaymentError::Invalid(issues));
        }
        if next == current.fields {
            return Ok(current);
        }
        self.payments
            .update(tenant, id, next, current.updated_at)
            .await
            .map_err(|e| match e {
                PaymentWriteError::InvalidReference => {
                    UpdatePaymentError::Invalid(vec![FieldIssue::new(
                        "client_id",
                        "no such client or appointment",
                    )])
                }
                PaymentWriteError::NotFound => UpdatePaymentError::NotFound,
                PaymentWriteError::Stale => UpdatePaymentError::Conflict,
                PaymentWriteError::Other(e) => UpdatePaymentError::Unknown(e),
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::appointments::testing::{clock, now};
    use crate::clients::testing::tenant;
    use chrono::Duration;
    use domain::payments::PaymentFields;
    use domain::ports::payments::MockPaymentRepository;

    fn stored(status: PaymentStatus) -> Payment {
        Payment {
            id: PaymentId::new(),
            fields: PaymentFields {
                client_id: ClientId::new(),
                appointment_id: None,
                amount_cents: 10_000,
                currency: Currency::BRL,
                status,
                method: status.was_paid().then_some(PaymentMethod::Cash),
                paid_at: status.was_paid().then(|| now() - Duration::days(1)),
            },
            created_at: now() - Duration::days(2),
            updated_at: now() - Duration::days(1),
        }
    }

    fn repo_with(current: Payment) -> MockPaymentRepository {
        let mut repo = MockPaymentRepository::new();
        repo.expect_get()
            .returning(move |_, _| Ok(Some(current.clone())));
        repo
    }

    async fn run(
        repo: MockPaymentRepository,
        patch: PaymentPatch,
    ) -> Result<Payment, UpdatePaymentError> {
        UpdatePayment::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), PaymentId::new(), patch)
            .await
    }

    fn fields_of(err: UpdatePaymentError) -> Vec<String> {
        match err {
            UpdatePaymentError::Invalid(i) => i.into_iter().map(|i| i.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn marking_paid_records_now_and_the_method() {
        let current = stored(PaymentStatus::Pending);
        let mut repo = repo_with(current.clone());
        repo.expect_update()
            .withf(|_, _, f, _| f.status == PaymentStatus::Paid && f.paid_at == Some(now()))
            .times(1)
            .returning(move |_, _, f, _| {
                let mut p = current.clone();
                p.fields = f;
                Ok(p)
            });
        let patch = PaymentPatch {
            status: Some(PaymentStatus::Paid),
            method: Some(Some(PaymentMethod::Pix)),
            ..PaymentPatch::default()
        };
        run(repo, patch).await.unwrap();
    }

    #[tokio::test]
    async fn a_paid_payment_keeps_its_amount_and_a_refunded_one_is_final() {
        let mut repo = repo_with(stored(PaymentStatus::Paid));
        repo.expect_update().never();
        let patch = PaymentPatch {
            amount_cents: Some(1),
            status: Some(PaymentStatus::Pending),
            ..PaymentPatch::default()
        };
        assert_eq!(
            fields_of(run(repo, patch).await.unwrap_err()),
            ["status", "amount_cents"]
        );

        let mut repo = repo_with(stored(PaymentStatus::Refunded));
        repo.expect_update().never();
        let patch = PaymentPatch {
            method: Some(Some(PaymentMethod::Pix)),
            ..PaymentPatch::default()
        };
        assert_eq!(fields_of(run(repo, patch).await.unwrap_err()), ["method"]);
    }

    #[tokio::test]
    async fn a_paid_payment_may_correct_its_method_but_not_lose_paid_at() {
        let current = stored(PaymentStatus::Paid);
        let mut repo = repo_with(current.clone());
        repo.expect_update()
            .withf(|_, _, f, _| f.method == Some(PaymentMethod::DebitCard))
            .times(1)
            .returning(move |_, _, f, _| {
                let mut p = current.clone();
                p.fields = f;
                Ok(p)
            });
        let patch = PaymentPatch {
            method: Some(Some(PaymentMethod::DebitCard)),
            ..PaymentPatch::default()
        };
        run(repo, patch).await.unwrap();

        let mut repo = repo_with(stored(PaymentStatus::Paid));
        repo.expect_update().never();
        let patch = PaymentPatch {
            paid_at: Some(None),
            method: Some(None),
            ..PaymentPatch::default()
        };
        assert_eq!(
            fields_of(run(repo, patch).await.unwrap_err()),
            ["paid_at", "method"]
        );
    }

    #[tokio::test]
    async fn a_refund_keeps_paid_at_and_a_concurrent_change_is_a_conflict() {
        let mut repo = repo_with(stored(PaymentStatus::Paid));
        repo.expect_update()
            .withf(|_, _, f, _| f.status == PaymentStatus::Refunded && f.paid_at.is_some())
            .returning(|_, _, _, _| Err(PaymentWriteError::Stale));
        let patch = PaymentPatch {
            status: Some(PaymentStatus::Refunded),
            ..PaymentPatch::default()
        };
        assert!(matches!(
            run(repo, patch).await.unwrap_err(),
            UpdatePaymentError::Conflict
        ));
    }
}
