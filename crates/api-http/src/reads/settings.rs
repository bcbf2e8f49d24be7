//! `GET /api/settings` (any member) and `PATCH /api/settings` (admins).

use actix_web::{HttpResponse, web};
use app::reads::SettingsError;
use domain::reads::{ClinicSettings, SettingsPatch, WorkingHours};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::{Admin, Caller};
use crate::state::AppState;

/// The clinic's settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsDto {
    /// `{mon: [{start: "08:00", end: "12:00"}], …}`.
    #[schema(value_type = Object)]
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
        }
    }
}

/// Absent → keep; `null` → clear; a value → set.
fn double_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// `PATCH /api/settings`: only the fields given change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatchDto {
    /// Replaces the whole week (days absent from it are closed).
    #[schema(value_type = Option<Object>)]
    pub working_hours: Option<WorkingHours>,
    /// E-mail, or null to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_email: Option<Option<String>>,
    /// Phone (any formatting; stored E.164), or null to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub contact_phone: Option<Option<String>>,
    /// https URL, or null to clear.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub logo_url: Option<Option<String>>,
    /// IANA timezone.
    pub timezone: Option<String>,
    /// `pt-BR`, `en-US` or `es-ES`.
    pub locale: Option<String>,
    /// 1 to 720 hours.
    pub conversation_window_hours: Option<u32>,
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
    let b = body.into_inner();
    let patch = SettingsPatch {
        working_hours: b.working_hours,
        contact_email: b.contact_email,
        contact_phone: b.contact_phone,
        logo_url: b.logo_url,
        timezone: b.timezone,
        locale: b.locale,
        conversation_window_hours: b.conversation_window_hours,
    };
    match state.reads.update_settings(admin.0.company_id, patch).await {
        Ok(s) => Ok(HttpResponse::Ok().json(SettingsDto::from(s))),
        Err(SettingsError::Invalid(issues)) => Err(Problem::validation(
            issues
                .into_iter()
                .map(|i| FieldError::new(i.field, i.message))
                .collect(),
        )),
        Err(SettingsError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
