//! Payment use cases: record, change, fetch and list (`docs/domain-rules.md`, "Payments").

mod create;
mod query;
mod update;

pub use create::{CreatePayment, CreatePaymentError, CreatePaymentInput};
pub use query::{GetPayment, GetPaymentError, ListPayments, ListPaymentsError};
pub use update::{PaymentPatch, UpdatePayment, UpdatePaymentError};

use crate::crm::FieldIssue;
use chrono::{DateTime, Utc};
use domain::payments::{MAX_AMOUNT_CENTS, PAID_AT_SKEW, PaymentFields, PaymentReferences};
use domain::ports::clock::Clock;
use domain::ports::payments::PaymentRepository;
use std::sync::Arc;

/// The ports behind payments, built once by the composition root.
#[derive(Clone)]
pub struct Payments {
    /// Payments.
    pub payments: Arc<dyn PaymentRepository>,
    /// "Now" (default and limit of `paid_at`).
    pub clock: Arc<dyn Clock>,
}

impl Payments {
    /// `POST /api/payments`.
    #[must_use]
    pub fn create(&self) -> CreatePayment {
        CreatePayment::new(self.payments.clone(), self.clock.clone())
    }
    /// `PATCH /api/payments/{id}`.
    #[must_use]
    pub fn update(&self) -> UpdatePayment {
        UpdatePayment::new(self.payments.clone(), self.clock.clone())
    }
    /// `GET /api/payments/{id}`.
    #[must_use]
    pub fn get(&self) -> GetPayment {
        GetPayment::new(self.payments.clone())
    }
    /// `GET /api/payments`.
    #[must_use]
    pub fn list(&self) -> ListPayments {
        ListPayments::new(self.payments.clone())
    }
}

/// The issues of complete fields (amount, `paid_at` exactly when paid or refunded and not in the
/// future, a method once paid).
fn check(fields: &PaymentFields, now: DateTime<Utc>, issues: &mut Vec<FieldIssue>) {
    if !(1..=MAX_AMOUNT_CENTS).contains(&fields.amount_cents) {
        issues.push(FieldIssue::new(
            "amount_cents",
            format!("must be between 1 and {MAX_AMOUNT_CENTS}"),
        ));
    }
    match (fields.status.was_paid(), fields.paid_at) {
        (true, Some(at)) if at > now + PAID_AT_SKEW => {
            issues.push(FieldIssue::new("paid_at", "must not be in the future"));
        }
        (true, None) => issues.push(FieldIssue::new("paid_at", "required once paid")),
        (false, Some(_)) => issues.push(FieldIssue::new(
            "paid_at",
            "only paid or refunded payments have paid_at",
        )),
        _ => {}
    }
    if fields.status.was_paid() && fields.method.is_none() {
        issues.push(FieldIssue::new("method", "required once paid"));
    }
}

/// The issues of references that are not the clinic's, or an appointment of another client.
fn reference_issues(
    refs: &PaymentReferences,
    fields: &PaymentFields,
    issues: &mut Vec<FieldIssue>,
) {
    if !refs.client {
        issues.push(FieldIssue::new("client_id", "no such client"));
    }
    if fields.appointment_id.is_some() {
        match refs.appointment_client {
            None => issues.push(FieldIssue::new("appointment_id", "no such appointment")),
            Some(c) if refs.client && c != fields.client_id => issues.push(FieldIssue::new(
                "appointment_id",
                "the appointment is another client's",
            )),
            Some(_) => {}
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Fixtures of the payment tests.
    use crate::appointments::testing::now;
    use domain::payments::{NewPayment, Payment};

    /// What the store returns for `new`.
    pub fn from_new(new: NewPayment) -> Payment {
        Payment {
            id: new.id,
            fields: new.fields,
            created_at: now(),
            updated_at: now(),
        }
    }
}
