//! `GET /api/availability`.

use actix_web::{HttpResponse, web};
use app::availability::FindSlotsError;
use domain::availability::SlotQuery;
use domain::{ServiceId, UserId};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{AvailabilityDto, SlotDto};
use crate::crm::QueryParser;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// `?service_id=&user_id=&from=&to=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityQuery {
    /// The service to book (required): its duration is each slot's length.
    #[param(value_type = Uuid)]
    pub service_id: Option<String>,
    /// One professional; without it, every active member with a schedule.
    #[param(value_type = Option<Uuid>)]
    pub user_id: Option<String>,
    /// Slots starting at or after (RFC 3339, required).
    #[param(value_type = String, format = DateTime)]
    pub from: Option<String>,
    /// Slots starting before (RFC 3339, required; at most 31 days after `from`).
    #[param(value_type = String, format = DateTime)]
    pub to: Option<String>,
}

/// Bookable start times of a service: where the clinic's working hours and each professional's
/// weekly schedule overlap, outside their time off, clear of non-canceled appointments with the
/// clinic's buffer after each, never in the past; computed in the clinic's time zone (DST-aware).
/// Booking a returned slot with `POST /api/appointments` fails with `slot_taken` only if someone
/// took it meanwhile.
///
/// # Errors
/// 401, 422 naming each bad parameter (range over 31 days, unknown or inactive service, unknown
/// professional).
#[utoipa::path(
    get,
    path = "/api/availability",
    tag = "availability",
    params(AvailabilityQuery),
    responses(
        (status = 200, description = "Free slots", body = AvailabilityDto),
        (status = 422, description = "Bad parameter, range, service or professional", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn availability(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    query: web::Query<AvailabilityQuery>,
) -> Result<HttpResponse, Problem> {
    let mut p = QueryParser::default();
    let service_id = p.parse::<Uuid>("service_id", query.service_id.as_deref());
    let user_id = p
        .parse::<Uuid>("user_id", query.user_id.as_deref())
        .map(UserId);
    let from = p.time("from", query.from.as_deref());
    let to = p.time("to", query.to.as_deref());
    for (field, given) in [
        ("service_id", query.service_id.is_some()),
        ("from", query.from.is_some()),
        ("to", query.to.is_some()),
    ] {
        if !given {
            p.error(field, "required");
        }
    }
    p.finish()?;
    let (Some(service_id), Some(from), Some(to)) = (service_id, from, to) else {
        return Err(Problem::internal());
    };
    let q = SlotQuery {
        service_id: ServiceId(service_id),
        user_id,
        from,
        to,
    };
    match state.agenda.find_slots().run(caller.tenant(), q).await {
        Ok(free) => Ok(HttpResponse::Ok().json(AvailabilityDto {
            service_id,
            timezone: free.timezone,
            duration_minutes: free.duration_minutes,
            buffer_minutes: free.buffer_minutes,
            slot_step_minutes: free.slot_step_minutes,
            slots: free.slots.into_iter().map(SlotDto::from).collect(),
            truncated: free.truncated,
        })),
        Err(FindSlotsError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(FindSlotsError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
