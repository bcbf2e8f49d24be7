//! `GET /api/reports/overview`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use app::reports::OverviewError;
use chrono::NaiveDate;
use domain::reports::ReportPeriod;
use serde::Deserialize;
use utoipa::IntoParams;

use super::csv;
use super::dto::OverviewDto;
use crate::crm::QueryParser;
use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// `?from=&to=&table=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OverviewQuery {
    /// First day, in the clinic's time zone (`YYYY-MM-DD`, required).
    #[param(value_type = String, format = Date)]
    pub from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`, required; at most 366 days from `from`).
    #[param(value_type = String, format = Date)]
    pub to: Option<String>,
    /// With `Accept: text/csv` (and only then, required): which table — `appointments_by_status`,
    /// `no_show_overall`, `no_show_by_professional`, `no_show_by_service`, `no_show_by_risk`,
    /// `no_show_by_confirmation`, `conversation_times`, `first_response_by_member`,
    /// `first_response_by_channel`, `resolution_by_member`, `resolution_by_channel`,
    /// `messages_by_channel`, `payments_by_currency` or `payments_by_method`.
    pub table: Option<String>,
}

/// Whether the caller asked for CSV.
fn wants_csv(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|m| {
            m.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/csv"))
        })
}

/// The clinic's numbers for a period of local days (definitions in `docs/reports.md`): appointments
/// by status; no-show rates overall, by professional, service, risk level at the time and
/// confirmation answer; first-response and resolution times (p50/p90) by member and channel;
/// messages per channel; received payments. Admin only. One database statement, bounded by the
/// period. With `Accept: text/csv`, one table (`?table=`) as CSV.
///
/// # Errors
/// 401, 403 `forbidden` (staff), 422 naming each bad parameter (period backwards or over 366
/// days, a missing or unknown `table` with CSV, `table` without CSV).
#[utoipa::path(
    get,
    path = "/api/reports/overview",
    tag = "reports",
    params(OverviewQuery),
    responses(
        (status = 200, description = "The figures (JSON), or one table (`text/csv`)", content(
            (OverviewDto = "application/json"),
            (String = "text/csv", example = json!("status,count\r\nscheduled,12\r\nconfirmed,30\r\ncompleted,90\r\nno_show,10\r\ncanceled,8\r\n")),
        )),
        (status = 403, description = "Staff may not read the clinic's numbers", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Bad period or table", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn overview(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<OverviewQuery>,
) -> Result<HttpResponse, Problem> {
    let csv_wanted = wants_csv(&req);
    let mut p = QueryParser::default();
    let from = p.parse::<NaiveDate>("from", query.from.as_deref());
    let to = p.parse::<NaiveDate>("to", query.to.as_deref());
    for (field, given) in [("from", query.from.is_some()), ("to", query.to.is_some())] {
        if !given {
            p.error(field, "required");
        }
    }
    match (&query.table, csv_wanted) {
        (None, true) => p.error("table", "required with Accept: text/csv"),
        (Some(t), true) if !csv::TABLES.contains(&t.as_str()) => {
            p.error("table", "unknown table (see docs/reports.md)");
        }
        (Some(_), false) => p.error("table", "only with Accept: text/csv"),
        _ => {}
    }
    p.finish()?;
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Problem::internal());
    };
    let overview = match state
        .reports
        .overview(caller.company_id, ReportPeriod { from, to })
        .await
    {
        Ok(o) => o,
        Err(OverviewError::Invalid(issues)) => return Err(Problem::invalid(issues)),
        Err(OverviewError::Unknown(e)) => return Err(Problem::from_internal(&e)),
    };
    match query.table.as_deref() {
        Some(table) if csv_wanted => {
            let Some(body) = csv::table(&overview, table) else {
                return Err(Problem::internal());
            };
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{table}-{from}-{to}.csv\""),
                ))
                .body(body))
        }
        _ => Ok(HttpResponse::Ok().json(OverviewDto::new(from, to, overview))),
    }
}
