//! The clinic's numbers (`GET /api/reports/overview`). Every figure's exact definition is in
//! `docs/reports.md`; the adapter computes them in SQL, in the clinic's time zone.

use crate::{ServiceId, UserId};
use chrono::NaiveDate;
use serde::Deserialize;

/// The longest period of one report, in days.
pub const MAX_PERIOD_DAYS: i64 = 366;

/// Local dates of the clinic, both included: from `from` 00:00 to the end of `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportPeriod {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// Appointments with a status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StatusCount {
    /// `scheduled`, `confirmed`, `completed`, `canceled` or `no_show`.
    pub status: String,
    /// How many started in the period.
    pub count: u64,
}

/// Resolved appointments: the patient came (`completed`) or did not (`no_show`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct NoShowCounts {
    /// Missed.
    pub no_show: u64,
    /// Attended.
    pub completed: u64,
}

impl NoShowCounts {
    /// `no_show / (no_show + completed)`, or `None` when nothing was resolved.
    #[must_use]
    pub fn rate(&self) -> Option<f64> {
        let total = self.no_show + self.completed;
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        (total > 0).then(|| self.no_show as f64 / total as f64)
    }
}

/// The no-show counts of one professional (`None`: appointments without one).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NoShowByProfessional {
    /// The member.
    pub user_id: Option<UserId>,
    /// Their name.
    pub name: Option<String>,
    /// Counts.
    #[serde(flatten)]
    pub counts: NoShowCounts,
}

/// The no-show counts of one service.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NoShowByService {
    /// The service.
    pub service_id: ServiceId,
    /// Its name.
    pub name: String,
    /// Counts.
    #[serde(flatten)]
    pub counts: NoShowCounts,
}

/// The no-show counts of one risk level.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NoShowByRisk {
    /// `low`, `medium`, `high`, or `unknown` (no snapshot before the appointment).
    pub risk: String,
    /// Counts.
    #[serde(flatten)]
    pub counts: NoShowCounts,
}

/// The no-show counts of appointments with or without an answer to a confirmation request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NoShowByConfirmation {
    /// `with_answer` or `without_answer`.
    pub confirmation: String,
    /// Counts.
    #[serde(flatten)]
    pub counts: NoShowCounts,
}

/// The no-show figures.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NoShowReport {
    /// Every resolved appointment.
    pub overall: NoShowCounts,
    /// By professional.
    pub by_professional: Vec<NoShowByProfessional>,
    /// By service.
    pub by_service: Vec<NoShowByService>,
    /// By the analyst's risk for the patient at the time of the appointment.
    pub by_risk: Vec<NoShowByRisk>,
    /// With vs without a confirmation answer.
    pub by_confirmation: Vec<NoShowByConfirmation>,
}

/// Percentiles of durations, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct Durations {
    /// How many durations.
    pub count: u64,
    /// Median (`percentile_disc(0.5)`).
    pub p50_seconds: Option<i64>,
    /// 90th percentile (`percentile_disc(0.9)`).
    pub p90_seconds: Option<i64>,
}

/// Durations attributed to a member (`None`: no member, e.g. an API integration).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DurationsByMember {
    /// The member.
    pub user_id: Option<UserId>,
    /// Their name.
    pub name: Option<String>,
    /// The durations.
    #[serde(flatten)]
    pub durations: Durations,
}

/// Durations of one channel.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DurationsByChannel {
    /// `whatsapp`, `instagram`, …
    pub channel: String,
    /// The durations.
    #[serde(flatten)]
    pub durations: Durations,
}

/// First-response or resolution times of conversations.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConversationTimes {
    /// All of them.
    pub overall: Durations,
    /// Conversations that had none (no reply yet, or not closed by a member).
    pub without: u64,
    /// By member.
    pub by_member: Vec<DurationsByMember>,
    /// By channel.
    pub by_channel: Vec<DurationsByChannel>,
}

/// Messages of one channel.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChannelMessages {
    /// The channel.
    pub channel: String,
    /// From patients.
    pub inbound: u64,
    /// From the clinic.
    pub outbound: u64,
}

/// Money received in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReceivedByCurrency {
    /// ISO 4217.
    pub currency: String,
    /// Payments.
    pub count: u64,
    /// Their sum, in cents.
    pub amount_cents: i64,
}

/// Money received with one method, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReceivedByMethod {
    /// `pix`, `cash`, … (`null` is not possible: paid payments have a method, or `other`).
    pub method: String,
    /// ISO 4217.
    pub currency: String,
    /// Payments.
    pub count: u64,
    /// Their sum, in cents.
    pub amount_cents: i64,
}

/// Received payments.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReceivedPayments {
    /// By currency.
    pub by_currency: Vec<ReceivedByCurrency>,
    /// By method and currency.
    pub by_method: Vec<ReceivedByMethod>,
}

/// Every figure of the overview.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Overview {
    /// The clinic's time zone the period was read in.
    pub timezone: String,
    /// Appointments starting in the period, by current status.
    pub appointments_by_status: Vec<StatusCount>,
    /// No-show rates.
    pub no_show: NoShowReport,
    /// First-response times of conversations started in the period.
    pub first_response: ConversationTimes,
    /// Resolution times of conversations started in the period.
    pub resolution: ConversationTimes,
    /// Messages of the period, by channel and direction.
    pub messages_by_channel: Vec<ChannelMessages>,
    /// Payments received in the period.
    pub payments: ReceivedPayments,
}
