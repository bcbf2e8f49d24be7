//! `GET/POST /api/payments`, `GET/PATCH /api/payments/{id}`.

use actix_web::{HttpResponse, web};
use app::payments::{
    CreatePaymentError, CreatePaymentInput, GetPaymentError, ListPaymentsError, PaymentPatch,
    UpdatePaymentError,
};
use domain::page::PageRequest;
use domain::payments::{PaymentCursor, PaymentFilter, PaymentId, PaymentStatus};
use domain::{AppointmentId, ClientId};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::dto::{CreatePaymentRequest, PaymentDto, PaymentList, UpdatePaymentRequest};
use crate::clients::update::edit_conflict;
use crate::crm::{QueryParser, body};
use crate::pagination::List;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// The list's cursors.
const LIST: List<PaymentCursor> = List::new("payments");

/// Records a payment of one of the clinic's clients, optionally for one of that client's
/// appointments. Any member or API token.
///
/// # Errors
/// 401, 422 naming each bad field (unknown client or appointment, another client's appointment,
/// `paid_at` without a paid status or in the future, a paid payment without a method).
#[utoipa::path(
    post,
    path = "/api/payments",
    tag = "payments",
    request_body = CreatePaymentRequest,
    responses(
        (status = 201, description = "Recorded", body = PaymentDto),
        (status = 422, description = "Invalid fields or references", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: CreatePaymentRequest = body(json.into_inner())?;
    let input = CreatePaymentInput {
        client_id: ClientId(req.client_id),
        appointment_id: req.appointment_id.map(AppointmentId),
        amount_cents: req.amount_cents,
        currency: req.currency,
        status: req.status.map(Into::into),
        method: req.method.map(Into::into),
        paid_at: req.paid_at,
    };
    match state.payments.create().run(caller.tenant(), input).await {
        Ok(p) => Ok(HttpResponse::Created().json(PaymentDto::from(p))),
        Err(CreatePaymentError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(CreatePaymentError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// One payment.
///
/// # Errors
/// 401, 404 `not_found` (also for another clinic's ids).
#[utoipa::path(
    get,
    path = "/api/payments/{id}",
    tag = "payments",
    params(("id" = Uuid, Path, description = "Payment id")),
    responses(
        (status = 200, description = "The payment", body = PaymentDto),
        (status = 404, description = "No such payment in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, Problem> {
    match state
        .payments
        .get()
        .run(caller.tenant(), PaymentId(id.into_inner()))
        .await
    {
        Ok(p) => Ok(HttpResponse::Ok().json(PaymentDto::from(p))),
        Err(GetPaymentError::NotFound) => Err(Problem::not_found()),
        Err(GetPaymentError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// `?client_id=&appointment_id=&status=&from=&to=&paid_from=&paid_to=&limit=&cursor=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PaymentListQuery {
    /// Of this client.
    #[param(value_type = Option<Uuid>)]
    pub client_id: Option<String>,
    /// Of this appointment.
    #[param(value_type = Option<Uuid>)]
    pub appointment_id: Option<String>,
    /// `pending`, `paid`, `refunded` or `canceled`.
    pub status: Option<String>,
    /// Recorded at or after (RFC 3339).
    pub from: Option<String>,
    /// Recorded before (RFC 3339).
    pub to: Option<String>,
    /// Paid at or after (RFC 3339).
    pub paid_from: Option<String>,
    /// Paid before (RFC 3339).
    pub paid_to: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
}

/// The clinic's payments, newest first, filtered; keyset pages (one index range per page).
///
/// # Errors
/// 401, 422 naming each bad query parameter.
#[utoipa::path(
    get,
    path = "/api/payments",
    tag = "payments",
    params(PaymentListQuery),
    responses(
        (status = 200, description = "A page of payments", body = PaymentList),
        (status = 422, description = "Bad query parameter", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    query: web::Query<PaymentListQuery>,
) -> Result<HttpResponse, Problem> {
    let mut p = QueryParser::default();
    let filter = PaymentFilter {
        client_id: p
            .parse::<Uuid>("client_id", query.client_id.as_deref())
            .map(ClientId),
        appointment_id: p
            .parse::<Uuid>("appointment_id", query.appointment_id.as_deref())
            .map(AppointmentId),
        status: p.parse::<PaymentStatus>("status", query.status.as_deref()),
        from: p.time("from", query.from.as_deref()),
        to: p.time("to", query.to.as_deref()),
        paid_from: p.time("paid_from", query.paid_from.as_deref()),
        paid_to: p.time("paid_to", query.paid_to.as_deref()),
    };
    let PageRequest { after, limit } =
        LIST.parse(&mut p, query.limit.as_deref(), query.cursor.as_deref());
    p.finish()?;
    match state
        .payments
        .list()
        .run(caller.tenant(), filter, after, limit)
        .await
    {
        Ok(page) => Ok(HttpResponse::Ok().json(PaymentList {
            next_cursor: LIST.encode(page.next.as_ref()),
            data: page.data.into_iter().map(PaymentDto::from).collect(),
        })),
        Err(ListPaymentsError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}

/// Marks a payment paid, refunds or cancels it, or corrects it, under the payment rules
/// (`docs/domain-rules.md`).
///
/// # Errors
/// 401, 404 `not_found`, 409 `edit_conflict`, 422 naming each bad field or broken rule.
#[utoipa::path(
    patch,
    path = "/api/payments/{id}",
    tag = "payments",
    params(("id" = Uuid, Path, description = "Payment id")),
    request_body = UpdatePaymentRequest,
    responses(
        (status = 200, description = "Updated", body = PaymentDto),
        (status = 404, description = "No such payment in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "Changed concurrently (`edit_conflict`)", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields or a broken rule", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    Caller(caller): Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    json: web::Json<serde_json::Value>,
) -> Result<HttpResponse, Problem> {
    let req: UpdatePaymentRequest = body(json.into_inner())?;
    let patch = PaymentPatch {
        client_id: req.client_id.map(ClientId),
        appointment_id: req.appointment_id.map(|a| a.map(AppointmentId)),
        amount_cents: req.amount_cents,
        currency: req.currency,
        status: req.status.map(Into::into),
        method: req.method.map(|m| m.map(Into::into)),
        paid_at: req.paid_at,
    };
    match state
        .payments
        .update()
        .run(caller.tenant(), PaymentId(id.into_inner()), patch)
        .await
    {
        Ok(p) => Ok(HttpResponse::Ok().json(PaymentDto::from(p))),
        Err(UpdatePaymentError::NotFound) => Err(Problem::not_found()),
        Err(UpdatePaymentError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(UpdatePaymentError::Conflict) => Err(edit_conflict()),
        Err(UpdatePaymentError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
