//! `GET /api/settings` (any member) and `PATCH /api/settings` (admins).

use actix_web::{HttpResponse, web};
use app::reads::SettingsError;
use domain::reads::{ClinicSettings, SettingsPatch, WorkingHours};
use garde::Validate;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::problem::{Problem, ProblemDoc};
use crate::security::principal::{Admin, Caller};
use crate::state::AppState;

/// The clinic's settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsDto {
    /// `{mon: [{start: "08:00", end: "12:00"}], …}`.
    #[schema(value_type = WorkingHoursDoc)]
    pub working_hours: WorkingHours,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Contact phone (E.164).
    pub contact_phone: Option<String>,
    /// Logo (https).
    pub logo_url: Option<String>,
    /// IANA timezone.
    pub timezone: String,
    /// `pt-BR`, `en-US` or `es-ES`.
    pub locale: String,
    /// The reopen window of conversations, in hours.
    pub conversation_window_hours: u32,
    /// Minutes kept free after every open appointment of a professional (availability and
    /// booking apply it alike).
    pub buffer_minutes: u32,
    /// Spacing of the start times `GET /api/availability` offers, from each range's opening.
    pub slot_step_minutes: u32,
}

impl From<ClinicSettings> for SettingsDto {
    fn from(s: ClinicSettings) -> Self {
        Self {
            working_hours: s.working_hours,
            contact_email: s.contact_email,
            contact_phone: s.contact_phone,
            logo_url: s.logo_url,
            timezone: s.timezone,
            locale: s.locale,
            conversation_window_hours: s.conversation_window_hours,
            buffer_minutes: s.buffer_minutes,
            slot_step_minutes: s.slot_step_minutes,
        }
    }
}

/// Absent → keep; `null` → clear; a value → set.
fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `PATCH /api/settings`: only the fields given change.
///
/// The garde rules only cap lengths (oversized values are refused before anything else); the
/// use case checks the values themselves and names every bad field at once.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatchDto {
    /// Replaces the whole week (days absent from it are closed). Checked by the use case: day
    /// names, `HH:MM` times, start before end, no overlaps, at most 4 ranges a day.
    #[garde(skip)]
    #[schema(value_type = Option<WorkingHoursDoc>)]
    pub working_hours: Option<WorkingHours>,
    /// E-mail (up to 254 characters), or null to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[garde(length(chars, max = 254))]
    #[schema(value_type = Option<String>, max_length = 254)]
    pub contact_email: Option<Option<String>>,
    /// Phone (any formatting, up to 32 characters; stored E.164), or null to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[garde(length(chars, max = 32))]
    #[schema(value_type = Option<String>, max_length = 32)]
    pub contact_phone: Option<Option<String>>,
    /// https URL (up to 2,048 bytes), or null to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[garde(length(max = 2048))]
    #[schema(value_type = Option<String>, min_length = 9, max_length = 2048)]
    pub logo_url: Option<Option<String>>,
    /// IANA timezone (up to 64 bytes).
    #[garde(length(max = 64))]
    #[schema(max_length = 64, example = "America/Sao_Paulo")]
    pub timezone: Option<String>,
    /// `pt-BR`, `en-US` or `es-ES`.
    #[garde(length(chars, max = 5))]
    #[schema(max_length = 5, example = "pt-BR")]
    pub locale: Option<String>,
    /// 1 to 720 hours.
    #[garde(skip)]
    #[schema(minimum = 1, maximum = 720)]
    pub conversation_window_hours: Option<u32>,
    /// 0 to 240 minutes kept free after every open appointment.
    #[garde(skip)]
    #[schema(minimum = 0, maximum = 240)]
    pub buffer_minutes: Option<u32>,
    /// 5 to 240 minutes between offered start times.
    #[garde(skip)]
    #[schema(minimum = 5, maximum = 240)]
    pub slot_step_minutes: Option<u32>,
}

/// One opening range of a day (the schema of `domain::reads::TimeRange`).
#[derive(ToSchema)]
#[schema(as = TimeRange)]
pub struct TimeRangeDoc {
    /// `HH:MM`, before `end`.
    #[schema(
        min_length = 5,
        max_length = 5,
        pattern = "^[0-2][0-9]:[0-5][0-9]$",
        example = "08:00"
    )]
    pub start: String,
    /// `HH:MM`.
    #[schema(
        min_length = 5,
        max_length = 5,
        pattern = "^[0-2][0-9]:[0-5][0-9]$",
        example = "12:00"
    )]
    pub end: String,
}

/// The week's opening hours (the schema of `domain::reads::WorkingHours`): up to 4
/// non-overlapping ranges a day; a day that is absent is closed. Other keys are refused (422).
#[derive(ToSchema)]
#[schema(as = WorkingHours)]
pub struct WorkingHoursDoc {
    /// Monday.
    #[schema(max_items = 4)]
    pub mon: Option<Vec<TimeRangeDoc>>,
    /// Tuesday.
    #[schema(max_items = 4)]
    pub tue: Option<Vec<TimeRangeDoc>>,
    /// Wednesday.
    #[schema(max_items = 4)]
    pub wed: Option<Vec<TimeRangeDoc>>,
    /// Thursday.
    #[schema(max_items = 4)]
    pub thu: Option<Vec<TimeRangeDoc>>,
    /// Friday.
    #[schema(max_items = 4)]
    pub fri: Option<Vec<TimeRangeDoc>>,
    /// Saturday.
    #[schema(max_items = 4)]
    pub sat: Option<Vec<TimeRangeDoc>>,
    /// Sunday.
    #[schema(max_items = 4)]
    pub sun: Option<Vec<TimeRangeDoc>>,
}

/// The clinic's settings (any member).
///
/// # Errors
/// 401, 403.
#[utoipa::path(get, path = "/api/settings", tag = "frontend",
    responses((status = 200, description = "The settings", body = SettingsDto)))]
pub async fn get(caller: Caller, state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let s = state
        .reads
        .settings(caller.0.company_id)
        .await
        .map_err(|e| Problem::from_internal(&e))?;
    Ok(HttpResponse::Ok().json(SettingsDto::from(s)))
}

/// Updates only the given fields (admins only); every field is validated and nothing changes when
/// one is invalid.
///
/// # Errors
/// 401, 403 `forbidden` (staff), 422 naming each bad field.
#[utoipa::path(patch, path = "/api/settings", tag = "frontend", request_body = SettingsPatchDto,
    responses(
        (status = 200, description = "The updated settings", body = SettingsDto),
        (status = 403, description = "Staff may not change settings", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields; nothing changed", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn update(
    admin: Admin,
    state: web::Data<AppState>,
    body: web::Json<SettingsPatchDto>,
) -> Result<HttpResponse, Problem> {
    body.validate()?;
    let b = body.into_inner();
    let patch = SettingsPatch {
        working_hours: b.working_hours,
        contact_email: b.contact_email,
        contact_phone: b.contact_phone,
        logo_url: b.logo_url,
        timezone: b.timezone,
        locale: b.locale,
        conversation_window_hours: b.conversation_window_hours,
        buffer_minutes: b.buffer_minutes,
        slot_step_minutes: b.slot_step_minutes,
    };
    match state.reads.update_settings(admin.0.company_id, patch).await {
        Ok(s) => Ok(HttpResponse::Ok().json(SettingsDto::from(s))),
        Err(SettingsError::Invalid(issues)) => Err(Problem::invalid(issues)),
        Err(SettingsError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
