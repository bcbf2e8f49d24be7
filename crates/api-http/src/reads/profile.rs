//! `GET /api/clients/{id}/profile`.

use actix_web::{HttpResponse, web};
use app::reads::ProfileError;
use chrono::{DateTime, Utc};
use domain::ClientId;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clients::dto::ClientDto;
use crate::conversations::dto::{ConversationDto, InteractionDto};
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::snapshots::dto::SnapshotDto;
use crate::state::AppState;

/// An upcoming appointment.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpcomingAppointmentDto {
    /// Id.
    pub id: Uuid,
    /// Service.
    pub service_id: Uuid,
    /// Service name.
    pub service_name: String,
    /// Professional.
    pub user_id: Option<Uuid>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// `scheduled` or `confirmed`.
    pub status: String,
}

/// Appointment stats.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileStatsDto {
    /// Non-canceled appointments, past and future.
    pub appointments_total: u64,
    /// Missed appointments.
    pub no_show_count: u64,
    /// The last completed appointment.
    pub last_visit_at: Option<DateTime<Utc>>,
}

/// A client's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileDto {
    /// The client, with identities.
    pub client: ClientDto,
    /// The newest AI context snapshot.
    pub latest_snapshot: Option<SnapshotDto>,
    /// The last 10 messages across threads, newest first.
    pub recent_interactions: Vec<InteractionDto>,
    /// The last 5 threads, newest first.
    pub recent_conversations: Vec<ConversationDto>,
    /// The next 5 appointments.
    pub upcoming_appointments: Vec<UpcomingAppointmentDto>,
    /// Appointment stats.
    pub stats: ProfileStatsDto,
    /// What the client owes (pending payments) and has paid, per currency.
    pub balances: Vec<crate::payments::dto::BalanceDto>,
    /// The last 5 payments, newest first.
    pub recent_payments: Vec<crate::payments::dto::PaymentDto>,
}

/// The client, the latest snapshot, recent messages and threads, upcoming appointments, stats,
/// balances and the last payments.
///
/// # Errors
/// 401, 403, 404 (not this clinic's client).
#[utoipa::path(get, path = "/api/clients/{id}/profile", tag = "frontend",
    params(("id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, description = "The profile", body = ProfileDto),
        (status = 404, description = "No such client in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn profile(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match state
        .profiles
        .profile(caller.0.tenant(), ClientId(id.into_inner()))
        .await
    {
        Ok(p) => Ok(HttpResponse::Ok().json(ProfileDto {
            client: ClientDto::from(p.client),
            latest_snapshot: p.latest_snapshot.map(SnapshotDto::from),
            recent_interactions: p
                .activity
                .recent_interactions
                .into_iter()
                .map(InteractionDto::from)
                .collect(),
            recent_conversations: p
                .activity
                .recent_conversations
                .into_iter()
                .map(ConversationDto::from)
                .collect(),
            upcoming_appointments: p
                .activity
                .upcoming_appointments
                .into_iter()
                .map(|a| UpcomingAppointmentDto {
                    id: a.id.0,
                    service_id: a.service_id.0,
                    service_name: a.service_name,
                    user_id: a.user_id.map(|u| u.0),
                    starts_at: a.starts_at,
                    ends_at: a.ends_at,
                    status: a.status,
                })
                .collect(),
            stats: ProfileStatsDto {
                appointments_total: p.activity.appointments_total,
                no_show_count: p.activity.no_show_count,
                last_visit_at: p.activity.last_visit_at,
            },
            balances: p.activity.balances.into_iter().map(Into::into).collect(),
            recent_payments: p
                .activity
                .recent_payments
                .into_iter()
                .map(Into::into)
                .collect(),
        })),
        Err(ProfileError::NotFound) => Err(Problem::not_found()),
        Err(ProfileError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
