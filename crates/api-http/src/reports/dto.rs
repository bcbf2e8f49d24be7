//! The overview as JSON.

use chrono::NaiveDate;
use domain::reports::{ConversationTimes, Durations, NoShowCounts, Overview, ReceivedPayments};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Appointments with a status.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCountDto {
    /// `scheduled`, `confirmed`, `completed`, `no_show` or `canceled`.
    pub status: String,
    /// Appointments starting in the period with this status now.
    pub count: u64,
}

/// Resolved appointments and the no-show rate.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateDto {
    /// `no_show` appointments.
    pub no_show: u64,
    /// `completed` appointments.
    pub completed: u64,
    /// `no_show / (no_show + completed)`; `null` when both are 0.
    pub rate: Option<f64>,
}

impl From<NoShowCounts> for RateDto {
    fn from(c: NoShowCounts) -> Self {
        Self {
            no_show: c.no_show,
            completed: c.completed,
            rate: c.rate(),
        }
    }
}

/// The no-show rate of a professional.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfessionalRateDto {
    /// The member; `null` for appointments without one.
    pub user_id: Option<Uuid>,
    /// Their name.
    pub name: Option<String>,
    /// Counts and rate.
    #[serde(flatten)]
    pub rate: RateDto,
}

/// The no-show rate of a service.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRateDto {
    /// The service.
    pub service_id: Uuid,
    /// Its name.
    pub name: String,
    /// Counts and rate.
    #[serde(flatten)]
    pub rate: RateDto,
}

/// The no-show rate of a risk level.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskRateDto {
    /// `low`, `medium`, `high` or `unknown`.
    pub risk: String,
    /// Counts and rate.
    #[serde(flatten)]
    pub rate: RateDto,
}

/// The no-show rate with or without a confirmation answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConfirmationRateDto {
    /// `with_answer` or `without_answer` (no confirmations are sent yet: everything is
    /// `without_answer`).
    pub confirmation: String,
    /// Counts and rate.
    #[serde(flatten)]
    pub rate: RateDto,
}

/// No-show figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoShowDto {
    /// All resolved appointments.
    pub overall: RateDto,
    /// By professional.
    pub by_professional: Vec<ProfessionalRateDto>,
    /// By service.
    pub by_service: Vec<ServiceRateDto>,
    /// By the analyst's risk for the patient when the appointment started.
    pub by_risk: Vec<RiskRateDto>,
    /// With vs without an answer to a confirmation request.
    pub by_confirmation: Vec<ConfirmationRateDto>,
}

/// Percentiles of durations.
#[derive(Debug, Serialize, ToSchema)]
pub struct DurationsDto {
    /// How many.
    pub count: u64,
    /// Median, seconds.
    pub p50_seconds: Option<i64>,
    /// 90th percentile, seconds.
    pub p90_seconds: Option<i64>,
}

impl From<Durations> for DurationsDto {
    fn from(d: Durations) -> Self {
        Self {
            count: d.count,
            p50_seconds: d.p50_seconds,
            p90_seconds: d.p90_seconds,
        }
    }
}

/// Durations of a member.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDurationsDto {
    /// The member; `null` when no member (an API integration).
    pub user_id: Option<Uuid>,
    /// Their name.
    pub name: Option<String>,
    /// The durations.
    #[serde(flatten)]
    pub durations: DurationsDto,
}

/// Durations of a channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelDurationsDto {
    /// The channel.
    pub channel: String,
    /// The durations.
    #[serde(flatten)]
    pub durations: DurationsDto,
}

/// First-response or resolution times.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationTimesDto {
    /// All measured conversations.
    pub overall: DurationsDto,
    /// Conversations without one (unanswered; not closed by a member).
    pub without: u64,
    /// By member.
    pub by_member: Vec<MemberDurationsDto>,
    /// By channel.
    pub by_channel: Vec<ChannelDurationsDto>,
}

impl From<ConversationTimes> for ConversationTimesDto {
    fn from(t: ConversationTimes) -> Self {
        Self {
            overall: t.overall.into(),
            without: t.without,
            by_member: t
                .by_member
                .into_iter()
                .map(|m| MemberDurationsDto {
                    user_id: m.user_id.map(|u| u.0),
                    name: m.name,
                    durations: m.durations.into(),
                })
                .collect(),
            by_channel: t
                .by_channel
                .into_iter()
                .map(|c| ChannelDurationsDto {
                    channel: c.channel,
                    durations: c.durations.into(),
                })
                .collect(),
        }
    }
}

/// Messages of a channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelMessagesDto {
    /// The channel.
    pub channel: String,
    /// From patients.
    pub inbound: u64,
    /// From the clinic.
    pub outbound: u64,
}

/// Money received in a currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedDto {
    /// ISO 4217.
    pub currency: String,
    /// Payments.
    pub count: u64,
    /// Cents.
    pub amount_cents: i64,
}

/// Money received with a method.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedByMethodDto {
    /// `pix`, `cash`, …
    pub method: String,
    /// ISO 4217.
    pub currency: String,
    /// Payments.
    pub count: u64,
    /// Cents.
    pub amount_cents: i64,
}

/// Received payments.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentsReportDto {
    /// By currency.
    pub by_currency: Vec<ReceivedDto>,
    /// By method and currency.
    pub by_method: Vec<ReceivedByMethodDto>,
}

impl From<ReceivedPayments> for PaymentsReportDto {
    fn from(p: ReceivedPayments) -> Self {
        Self {
            by_currency: p
                .by_currency
                .into_iter()
                .map(|r| ReceivedDto {
                    currency: r.currency,
                    count: r.count,
                    amount_cents: r.amount_cents,
                })
                .collect(),
            by_method: p
                .by_method
                .into_iter()
                .map(|r| ReceivedByMethodDto {
                    method: r.method,
                    currency: r.currency,
                    count: r.count,
                    amount_cents: r.amount_cents,
                })
                .collect(),
        }
    }
}

/// The clinic's numbers for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewDto {
    /// First day (local, included).
    pub from: NaiveDate,
    /// Last day (local, included).
    pub to: NaiveDate,
    /// The clinic's time zone the days were read in.
    pub timezone: String,
    /// Appointments starting in the period, by current status.
    pub appointments_by_status: Vec<StatusCountDto>,
    /// No-show rates.
    pub no_show: NoShowDto,
    /// First-response times of conversations started in the period.
    pub first_response: ConversationTimesDto,
    /// Resolution times of conversations started in the period.
    pub resolution: ConversationTimesDto,
    /// Messages of the period by channel.
    pub messages_by_channel: Vec<ChannelMessagesDto>,
    /// Payments received in the period.
    pub payments: PaymentsReportDto,
}

impl OverviewDto {
    /// The JSON form of `o` for the period `from`–`to`.
    #[must_use]
    pub fn new(from: NaiveDate, to: NaiveDate, o: Overview) -> Self {
        let n = o.no_show;
        Self {
            from,
            to,
            timezone: o.timezone,
            appointments_by_status: o
                .appointments_by_status
                .into_iter()
                .map(|s| StatusCountDto {
                    status: s.status,
                    count: s.count,
                })
                .collect(),
            no_show: NoShowDto {
                overall: n.overall.into(),
                by_professional: n
                    .by_professional
                    .into_iter()
                    .map(|r| ProfessionalRateDto {
                        user_id: r.user_id.map(|u| u.0),
                        name: r.name,
                        rate: r.counts.into(),
                    })
                    .collect(),
                by_service: n
                    .by_service
                    .into_iter()
                    .map(|r| ServiceRateDto {
                        service_id: r.service_id.0,
                        name: r.name,
                        rate: r.counts.into(),
                    })
                    .collect(),
                by_risk: n
                    .by_risk
                    .into_iter()
                    .map(|r| RiskRateDto {
                        risk: r.risk,
                        rate: r.counts.into(),
                    })
                    .collect(),
                by_confirmation: n
                    .by_confirmation
                    .into_iter()
                    .map(|r| ConfirmationRateDto {
                        confirmation: r.confirmation,
                        rate: r.counts.into(),
                    })
                    .collect(),
            },
            first_response: o.first_response.into(),
            resolution: o.resolution.into(),
            messages_by_channel: o
                .messages_by_channel
                .into_iter()
                .map(|m| ChannelMessagesDto {
                    channel: m.channel,
                    inbound: m.inbound,
                    outbound: m.outbound,
                })
                .collect(),
            payments: o.payments.into(),
        }
    }
}
