//! Payments: what a patient paid (or owes) for, and how. Rules in `docs/domain-rules.md`
//! ("Payments").

use crate::catalog::Currency;
use crate::{AppointmentId, ClientId};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// Largest amount of one payment, in cents (100 million in the currency's unit).
pub const MAX_AMOUNT_CENTS: i64 = 10_000_000_000;
/// How far ahead of the server's clock a `paid_at` may be (clock skew of the caller).
pub const PAID_AT_SKEW: Duration = Duration::minutes(5);

/// A payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PaymentId(pub Uuid);

impl PaymentId {
    /// A new time-ordered (v7) id.
    #[must_use]
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for PaymentId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for PaymentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// Owed (the default): counts in the patient's balance due.
    Pending,
    /// Received.
    Paid,
    /// Paid, then given back. Final.
    Refunded,
    /// Called off before it was paid. Final.
    Canceled,
}

/// A change the payment rules forbid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PaymentRule {
    /// A status change that is not in the table.
    #[error("this status change is not allowed")]
    NotAllowed,
    /// Any change to a refunded or canceled payment.
    #[error("a refunded or canceled payment cannot be changed")]
    Final,
    /// Amount, currency, client or appointment of a payment that is no longer pending.
    #[error("only a pending payment can change its amount, currency, client or appointment")]
    NotPending,
}

impl PaymentStatus {
    /// The stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Paid => "paid",
            Self::Refunded => "refunded",
            Self::Canceled => "canceled",
        }
    }

    /// Whether the payment records money received (`paid`, `refunded`): it then has `paid_at`
    /// and a method.
    #[must_use]
    pub fn was_paid(self) -> bool {
        matches!(self, Self::Paid | Self::Refunded)
    }

    /// Whether nothing may change any more.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Refunded | Self::Canceled)
    }

    /// Whether the status may go from `self` to `to`:
    ///
    /// | from \ to | pending | paid | refunded | canceled |
    /// |---|---|---|---|---|
    /// | pending | = | yes | no | yes |
    /// | paid | no | = | yes | no |
    /// | refunded | no | no | = | no |
    /// | canceled | no | no | no | = |
    ///
    /// # Errors
    /// [`PaymentRule::Final`] from refunded/canceled, else [`PaymentRule::NotAllowed`].
    pub fn check_transition(self, to: Self) -> Result<(), PaymentRule> {
        use PaymentStatus::{Canceled, Paid, Pending, Refunded};
        match (self, to) {
            (a, b) if a == b => Ok(()),
            (Refunded | Canceled, _) => Err(PaymentRule::Final),
            (Pending, Paid | Canceled) | (Paid, Refunded) => Ok(()),
            _ => Err(PaymentRule::NotAllowed),
        }
    }
}

impl FromStr for PaymentStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Self::Pending),
            "paid" => Ok(Self::Paid),
            "refunded" => Ok(Self::Refunded),
            "canceled" => Ok(Self::Canceled),
            other => Err(format!("unknown payment status {other:?}")),
        }
    }
}

impl fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a payment was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentMethod {
    /// Cash.
    Cash,
    /// Brazil's instant payment.
    Pix,
    /// Credit card.
    CreditCard,
    /// Debit card.
    DebitCard,
    /// Bank transfer.
    BankTransfer,
    /// Anything else.
    Other,
}

impl PaymentMethod {
    /// The stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Pix => "pix",
            Self::CreditCard => "credit_card",
            Self::DebitCard => "debit_card",
            Self::BankTransfer => "bank_transfer",
            Self::Other => "other",
        }
    }
}

impl FromStr for PaymentMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cash" => Ok(Self::Cash),
            "pix" => Ok(Self::Pix),
            "credit_card" => Ok(Self::CreditCard),
            "debit_card" => Ok(Self::DebitCard),
            "bank_transfer" => Ok(Self::BankTransfer),
            "other" => Ok(Self::Other),
            other => Err(format!("unknown payment method {other:?}")),
        }
    }
}

/// The writable fields of a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFields {
    /// Who pays.
    pub client_id: ClientId,
    /// What for (one of the client's appointments), if linked.
    pub appointment_id: Option<AppointmentId>,
    /// Cents of `currency`, 1..=[`MAX_AMOUNT_CENTS`].
    pub amount_cents: i64,
    /// ISO 4217.
    pub currency: Currency,
    /// Status.
    pub status: PaymentStatus,
    /// How; required once paid.
    pub method: Option<PaymentMethod>,
    /// When it was received; set exactly when paid or refunded.
    pub paid_at: Option<DateTime<Utc>>,
}

/// A stored payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// Its id.
    pub id: PaymentId,
    /// Its fields.
    pub fields: PaymentFields,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Payment {
    /// The list's sort key.
    #[must_use]
    pub fn cursor(&self) -> PaymentCursor {
        PaymentCursor {
            created_at: self.created_at,
            id: self.id,
        }
    }
}

/// A payment to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    /// The new id (v7).
    pub id: PaymentId,
    /// Its fields.
    pub fields: PaymentFields,
}

/// The list's sort key (newest first: creation time, then id, both descending).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentCursor {
    /// Creation time of the last payment of the previous page.
    pub created_at: DateTime<Utc>,
    /// Its id.
    pub id: PaymentId,
}

/// What the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaymentFilter {
    /// Of this client.
    pub client_id: Option<ClientId>,
    /// Of this appointment.
    pub appointment_id: Option<AppointmentId>,
    /// With this status.
    pub status: Option<PaymentStatus>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub to: Option<DateTime<Utc>>,
    /// Paid at or after.
    pub paid_from: Option<DateTime<Utc>>,
    /// Paid before.
    pub paid_to: Option<DateTime<Utc>>,
}

/// What a payment references, as seen from its clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentReferences {
    /// The client exists in the clinic.
    pub client: bool,
    /// The appointment (when one was named) exists in the clinic: its client.
    pub appointment_client: Option<ClientId>,
}

/// An amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyTotal {
    /// ISO 4217.
    pub currency: String,
    /// Cents.
    pub amount_cents: i64,
}

/// A client's money in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientBalance {
    /// ISO 4217.
    pub currency: String,
    /// Pending payments: what the client owes.
    pub due_cents: i64,
    /// Paid payments (refunded ones excluded).
    pub paid_cents: i64,
}

#[cfg(test)]
mod tests {
    use super::PaymentStatus::*;
    use super::*;

    #[test]
    fn statuses_move_only_forward() {
        assert_eq!(Pending.check_transition(Paid), Ok(()));
        assert_eq!(Pending.check_transition(Canceled), Ok(()));
        assert_eq!(Paid.check_transition(Refunded), Ok(()));
        assert_eq!(Paid.check_transition(Paid), Ok(()));
        assert_eq!(
            Pending.check_transition(Refunded),
            Err(PaymentRule::NotAllowed)
        );
        assert_eq!(Paid.check_transition(Pending), Err(PaymentRule::NotAllowed));
        assert_eq!(
            Paid.check_transition(Canceled),
            Err(PaymentRule::NotAllowed)
        );
        for from in [Refunded, Canceled] {
            for to in [Pending, Paid] {
                assert_eq!(from.check_transition(to), Err(PaymentRule::Final));
            }
        }
    }

    #[test]
    fn statuses_and_methods_round_trip() {
        for s in [Pending, Paid, Refunded, Canceled] {
            assert_eq!(s.as_str().parse(), Ok(s));
        }
        for m in [
            PaymentMethod::Cash,
            PaymentMethod::Pix,
            PaymentMethod::CreditCard,
            PaymentMethod::DebitCard,
            PaymentMethod::BankTransfer,
            PaymentMethod::Other,
        ] {
            assert_eq!(m.as_str().parse(), Ok(m));
        }
        assert!("boleto".parse::<PaymentMethod>().is_err());
    }
}
