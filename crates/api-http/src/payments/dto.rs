//! Bodies of `/api/payments`.

use chrono::{DateTime, Utc};
use domain::payments::{ClientBalance, MoneyTotal, Payment, PaymentMethod, PaymentStatus};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `pending`, `paid`, `refunded` or `canceled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentStatusDto {
    /// Owed (the default).
    Pending,
    /// Received.
    Paid,
    /// Paid, then given back (final).
    Refunded,
    /// Called off before it was paid (final).
    Canceled,
}

impl From<PaymentStatusDto> for PaymentStatus {
    fn from(s: PaymentStatusDto) -> Self {
        match s {
            PaymentStatusDto::Pending => Self::Pending,
            PaymentStatusDto::Paid => Self::Paid,
            PaymentStatusDto::Refunded => Self::Refunded,
            PaymentStatusDto::Canceled => Self::Canceled,
        }
    }
}

impl From<PaymentStatus> for PaymentStatusDto {
    fn from(s: PaymentStatus) -> Self {
        match s {
            PaymentStatus::Pending => Self::Pending,
            PaymentStatus::Paid => Self::Paid,
            PaymentStatus::Refunded => Self::Refunded,
            PaymentStatus::Canceled => Self::Canceled,
        }
    }
}

/// `cash`, `pix`, `credit_card`, `debit_card`, `bank_transfer` or `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethodDto {
    /// Cash.
    Cash,
    /// Pix.
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

impl From<PaymentMethodDto> for PaymentMethod {
    fn from(m: PaymentMethodDto) -> Self {
        match m {
            PaymentMethodDto::Cash => Self::Cash,
            PaymentMethodDto::Pix => Self::Pix,
            PaymentMethodDto::CreditCard => Self::CreditCard,
            PaymentMethodDto::DebitCard => Self::DebitCard,
            PaymentMethodDto::BankTransfer => Self::BankTransfer,
            PaymentMethodDto::Other => Self::Other,
        }
    }
}

impl From<PaymentMethod> for PaymentMethodDto {
    fn from(m: PaymentMethod) -> Self {
        match m {
            PaymentMethod::Cash => Self::Cash,
            PaymentMethod::Pix => Self::Pix,
            PaymentMethod::CreditCard => Self::CreditCard,
            PaymentMethod::DebitCard => Self::DebitCard,
            PaymentMethod::BankTransfer => Self::BankTransfer,
            PaymentMethod::Other => Self::Other,
        }
    }
}

/// A payment.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDto {
    /// Id.
    pub id: Uuid,
    /// Who pays.
    pub client_id: Uuid,
    /// What for (one of the client's appointments).
    pub appointment_id: Option<Uuid>,
    /// Cents of `currency`.
    pub amount_cents: i64,
    /// ISO 4217.
    pub currency: String,
    /// Status.
    pub status: PaymentStatusDto,
    /// How.
    pub method: Option<PaymentMethodDto>,
    /// When it was received (paid and refunded payments).
    pub paid_at: Option<DateTime<Utc>>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Payment> for PaymentDto {
    fn from(p: Payment) -> Self {
        let f = p.fields;
        Self {
            id: p.id.0,
            client_id: f.client_id.0,
            appointment_id: f.appointment_id.map(|a| a.0),
            amount_cents: f.amount_cents,
            currency: f.currency.as_str().to_owned(),
            status: f.status.into(),
            method: f.method.map(Into::into),
            paid_at: f.paid_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A page of payments.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentList {
    /// Newest first.
    pub data: Vec<PaymentDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// An amount in one currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyDto {
    /// ISO 4217.
    pub currency: String,
    /// Cents.
    pub amount_cents: i64,
}

impl From<MoneyTotal> for MoneyDto {
    fn from(m: MoneyTotal) -> Self {
        Self {
            currency: m.currency,
            amount_cents: m.amount_cents,
        }
    }
}

/// A client's money in one currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceDto {
    /// ISO 4217.
    pub currency: String,
    /// Pending payments: what the client owes.
    pub due_cents: i64,
    /// Paid payments (refunded ones excluded).
    pub paid_cents: i64,
}

impl From<ClientBalance> for BalanceDto {
    fn from(b: ClientBalance) -> Self {
        Self {
            currency: b.currency,
            due_cents: b.due_cents,
            paid_cents: b.paid_cents,
        }
    }
}

/// `POST /api/payments`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentRequest {
    /// A client of the clinic.
    #[garde(skip)]
    pub client_id: Uuid,
    /// One of that client's appointments.
    #[garde(skip)]
    pub appointment_id: Option<Uuid>,
    /// 1 to 10,000,000,000 cents.
    #[garde(range(min = 1, max = 10_000_000_000))]
    #[schema(minimum = 1, maximum = 10_000_000_000_i64)]
    pub amount_cents: i64,
    /// Three upper-case letters (default `BRL`).
    #[garde(length(max = 3))]
    #[schema(
        min_length = 3,
        max_length = 3,
        pattern = "^[A-Z]{3}$",
        example = "BRL"
    )]
    pub currency: Option<String>,
    /// Default `pending`.
    #[garde(skip)]
    pub status: Option<PaymentStatusDto>,
    /// Required when `paid` or `refunded`.
    #[garde(skip)]
    pub method: Option<PaymentMethodDto>,
    /// When it was received: only for `paid`/`refunded` (default now), not in the future.
    #[garde(skip)]
    pub paid_at: Option<DateTime<Utc>>,
}

/// `PATCH /api/payments/{id}`: absent fields are kept; `null` clears `appointment_id`, `method`
/// or `paid_at`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatePaymentRequest {
    /// A client of the clinic (pending payments only).
    #[garde(skip)]
    pub client_id: Option<Uuid>,
    /// One of the client's appointments (pending payments only; `null` unlinks).
    #[garde(skip)]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub appointment_id: Option<Option<Uuid>>,
    /// 1 to 10,000,000,000 cents (pending payments only).
    #[garde(inner(range(min = 1, max = 10_000_000_000)))]
    #[schema(minimum = 1, maximum = 10_000_000_000_i64)]
    pub amount_cents: Option<i64>,
    /// Three upper-case letters (pending payments only).
    #[garde(length(max = 3))]
    #[schema(min_length = 3, max_length = 3, pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// pending → paid | canceled; paid → refunded.
    #[garde(skip)]
    pub status: Option<PaymentStatusDto>,
    /// How it was paid.
    #[garde(skip)]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<PaymentMethodDto>)]
    pub method: Option<Option<PaymentMethodDto>>,
    /// When it was received (default now when marking `paid`).
    #[garde(skip)]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub paid_at: Option<Option<DateTime<Utc>>>,
}
