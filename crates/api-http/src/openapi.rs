//! The OpenAPI document, generated from the handlers' annotations and served as JSON.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::OpenApi;

use crate::openapi_extra::Conventions;
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::docs::SecuritySchemes;

/// The API description. Each feature module adds its handlers to `paths(...)`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Atende API",
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary"),
        description = "Multi-tenant clinic CRM. Errors are RFC 9457 `application/problem+json`."
    ),
    paths(
        crate::health::healthz,
        crate::health::readyz,
        openapi_json,
        crate::docs_ui::redirect,
        crate::docs_ui::asset,
        crate::openapi_extra::metrics,
        crate::auth::signin::signin,
        crate::auth::signout::signout,
        crate::auth::me::me,
        crate::auth::accept_invite::accept_invite,
        crate::users::list::list,
        crate::users::get::get,
        crate::users::create::create,
        crate::users::update::update,
        crate::api_tokens::create::create,
        crate::api_tokens::list::list,
        crate::api_tokens::revoke::revoke,
        crate::clients::create::create,
        crate::clients::list::list,
        crate::clients::get::get,
        crate::clients::update::update,
        crate::services::create::create,
        crate::services::list::list,
        crate::services::get::get,
        crate::services::update::update,
        crate::appointments::create::create,
        crate::appointments::list::list,
        crate::appointments::get::get,
        crate::appointments::update::update,
        crate::integrations::create::create,
        crate::integrations::list::list,
        crate::integrations::get::get,
        crate::integrations::update::update,
        crate::outbound::send::send,
        crate::outbound::retry::retry,
        crate::outbound::callback::status,
        crate::snapshots::generate::generate,
        crate::snapshots::read::get,
        crate::snapshots::read::history,
        crate::conversations::handlers::start,
        crate::conversations::handlers::list,
        crate::conversations::handlers::view,
        crate::conversations::handlers::close,
        crate::conversations::handlers::read,
        crate::conversations::record::record,
        crate::events::stream,
        crate::webhooks::handlers::whatsapp,
        crate::webhooks::handlers::instagram,
        crate::webhooks::handlers::verify_whatsapp,
        crate::webhooks::handlers::verify_instagram,
        crate::reads::home::home,
        crate::reads::home::inbox,
        crate::reads::profile::profile,
        crate::reads::settings::get,
        crate::reads::settings::update,
    ),
    components(schemas(
        ProblemDoc,
        FieldError,
        crate::users::dto::RoleDoc,
        crate::clients::dto::TagDoc,
        crate::reads::settings::TimeRangeDoc,
        crate::reads::settings::WorkingHoursDoc,
        crate::health::HealthStatus,
        crate::conversations::dto::ConversationDto,
        crate::conversations::dto::LastMessageDto,
        crate::conversations::dto::InteractionDto,
        crate::conversations::dto::ClientBriefDto,
        crate::conversations::dto::ConversationListDto,
        crate::conversations::dto::InteractionListDto,
        crate::conversations::dto::ConversationViewDto,
        crate::conversations::handlers::StartRequest,
        crate::conversations::handlers::CloseRequest,
        crate::conversations::record::MediaDto,
        crate::conversations::record::RecordRequest,
        crate::conversations::record::RecordResponse,
        crate::webhooks::handlers::RelayResultDto,
        crate::webhooks::handlers::RelayResponse,
        crate::webhooks::handlers::MetaResponse,
        crate::reads::home::HomeDto,
        crate::reads::home::QuickActionDto,
        crate::reads::home::InboxDto,
        crate::reads::home::InboxItemDto,
        crate::reads::home::InboxClientDto,
        crate::reads::home::InboxMessageDto,
        crate::reads::profile::ProfileDto,
        crate::reads::profile::ProfileStatsDto,
        crate::reads::profile::UpcomingAppointmentDto,
        crate::reads::settings::SettingsDto,
        crate::reads::settings::SettingsPatchDto,
        crate::auth::dto::SignInRequest,
        crate::auth::dto::AcceptInviteRequest,
        crate::auth::dto::AccountResponse,
        crate::auth::dto::SessionUser,
        crate::auth::dto::SessionCompany,
        crate::users::dto::UserDto,
        crate::users::dto::UserList,
        crate::users::dto::CreateUserRequest,
        crate::users::dto::CreatedUser,
        crate::users::dto::UpdateUserRequest,
        crate::users::dto::SettableStatus,
        crate::api_tokens::dto::CreateApiTokenRequest,
        crate::api_tokens::dto::ApiTokenDto,
        crate::api_tokens::dto::CreatedApiTokenDto,
        crate::api_tokens::dto::ApiTokenList,
        crate::clients::dto::ClientStatusDto,
        crate::clients::dto::IdentityDto,
        crate::clients::dto::ClientDto,
        crate::clients::dto::ClientList,
        crate::clients::dto::CreateClientRequest,
        crate::clients::dto::UpdateClientRequest,
        crate::services::dto::ServiceDto,
        crate::services::dto::ServiceList,
        crate::services::dto::CreateServiceRequest,
        crate::services::dto::UpdateServiceRequest,
        crate::appointments::dto::AppointmentStatusDto,
        crate::appointments::dto::AppointmentDto,
        crate::appointments::dto::AppointmentList,
        crate::appointments::dto::CreateAppointmentRequest,
        crate::appointments::dto::UpdateAppointmentRequest,
        crate::integrations::dto::CreateIntegrationRequest,
        crate::integrations::dto::UpdateIntegrationRequest,
        crate::integrations::dto::SecretsInput,
        crate::integrations::dto::SecretsPatchInput,
        crate::integrations::dto::ProviderDto,
        crate::integrations::dto::StatusDto,
        crate::integrations::dto::IntegrationDto,
        crate::integrations::dto::IntegrationList,
        crate::outbound::send::SendRequest,
        crate::outbound::send::SendResponse,
        crate::outbound::callback::StatusCallbackResponse,
        crate::snapshots::dto::GenerateSnapshotRequest,
        crate::snapshots::dto::SnapshotDto,
        crate::snapshots::dto::SnapshotInputDto,
        crate::snapshots::dto::SnapshotUsageDto,
        crate::snapshots::dto::GeneratedSnapshot,
        crate::snapshots::dto::SnapshotList,
    )),
    // `Conventions` after `SecuritySchemes`: it refers to the schemes declared there.
    modifiers(&SecuritySchemes, &Conventions),
    tags((name = "health", description = "Liveness and readiness probes"),
         (name = "meta", description = "This document, its interactive page and the metrics"),
         (name = "auth", description = "Sign-in, sessions and invitations"),
         (name = "users", description = "Clinic members (admin only)"),
         (name = "api-tokens", description = "Bearer tokens for services (admin only)"),
         (name = "clients", description = "Patients and leads, searchable, with their channel identities"),
         (name = "services", description = "The clinic's catalogue"),
         (name = "appointments", description = "Bookings; a professional is never double-booked"),
         (name = "integrations", description = "Channel accounts and their encrypted secrets (admin only)"),
         (name = "snapshots", description = "The analyst agent's context snapshots of a patient"),
         (name = "conversations", description = "Threads and messages: start, list, read, close, record, send and retry replies"),
         (name = "events", description = "The clinic's live event stream (Server-Sent Events), resumable with Last-Event-ID"),
         (name = "frontend", description = "The screens of the clinic's web app: home, inbox, patient profile, settings"),
         (name = "webhooks", description = "Signed deliveries from n8n and Meta, the Meta handshakes and n8n's delivery-status callbacks"))
)]
pub struct ApiDoc;

/// Serialised once: the document is static for the life of the process.
static DOCUMENT: LazyLock<Result<String, String>> =
    LazyLock::new(|| ApiDoc::openapi().to_json().map_err(|e| e.to_string()));

/// Registers `GET /api/openapi.json`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/openapi.json").route(web::get().to(openapi_json)));
}

/// The OpenAPI 3.1 document of this API.
///
/// # Errors
/// 500 if the document could not be serialised (a programming error).
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    responses(
        (status = 200, description = "OpenAPI document", content_type = "application/json",
            example = json!({"openapi": "3.1.0", "info": {"title": "Atende API", "version": "0.1.0"}, "paths": {}})),
        (status = 500, description = "The document could not be serialised", body = ProblemDoc,
            content_type = "application/problem+json"),
    )
)]
pub async fn openapi_json() -> Result<HttpResponse, Problem> {
    match &*DOCUMENT {
        Ok(json) => Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .body(json.clone())),
        Err(err) => Err(Problem::from_internal(err)),
    }
}
