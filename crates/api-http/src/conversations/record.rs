//! `POST /api/interactions` (an admin session or an API token): record a normalised message.

use actix_web::{HttpResponse, web};
use app::conversations::{RecordInteraction, RecordInteractionError};
use chrono::{DateTime, Utc};
use domain::auth::AuthMethod;
use domain::conversations::{ContentType, DeliveryStatus, Direction, InteractionSource};
use domain::{ClientId, ConversationId};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::InteractionDto;
use super::handlers::channel;
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::{Caller, Recorder};
use crate::state::AppState;

/// Largest `metadata` accepted, serialised (422 above).
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// A media attachment.
#[derive(Debug, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MediaDto {
    /// Where the file is (https).
    #[garde(length(chars, min = 1, max = 2048))]
    #[schema(min_length = 1, max_length = 2048)]
    pub url: String,
    /// Its MIME type.
    #[garde(inner(length(chars, max = 200)))]
    #[schema(max_length = 200)]
    pub mime_type: Option<String>,
    /// Its caption.
    #[garde(inner(length(chars, max = 4096)))]
    #[schema(max_length = 4096)]
    pub caption: Option<String>,
}

/// `POST /api/interactions` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRequest {
    /// The thread; without it the patient's thread is found or opened by the reopen rule.
    #[garde(skip)]
    pub conversation_id: Option<Uuid>,
    /// The patient (required without `conversation_id`).
    #[garde(skip)]
    pub client_id: Option<Uuid>,
    /// `whatsapp`, `instagram`, `email`, `sms` or `internal`.
    #[garde(length(chars, min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub channel: String,
    /// `inbound` or `outbound`.
    #[garde(length(chars, min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub direction: String,
    /// `text` (default), `image`, `audio`, `video`, `document`, `location`, `sticker`, `reaction`,
    /// `interactive`, `button`, `contacts`, `system`, `unsupported` or `unknown`.
    #[garde(inner(length(chars, min = 1, max = 20)))]
    #[schema(min_length = 1, max_length = 20)]
    pub content_type: Option<String>,
    /// The text (up to 10,000 characters).
    #[garde(inner(length(chars, max = 10000)))]
    #[schema(max_length = 10000)]
    pub text: Option<String>,
    /// An attachment.
    #[garde(dive)]
    pub media: Option<MediaDto>,
    /// `received` (inbound default), or `queued`/`sent` (outbound default)/`delivered`/`read`/`failed`.
    #[garde(inner(length(chars, min = 1, max = 20)))]
    #[schema(min_length = 1, max_length = 20)]
    pub status: Option<String>,
    /// The provider's message id; the same one twice stores one message (`duplicate: true`).
    #[garde(inner(length(chars, min = 1, max = 256)))]
    #[schema(min_length = 1, max_length = 256)]
    pub external_id: Option<String>,
    /// When it happened (default now).
    #[garde(skip)]
    pub occurred_at: Option<DateTime<Utc>>,
    /// Provider-specific extras (a JSON object up to 16 KiB).
    #[garde(skip)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

/// `POST /api/interactions` response.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordResponse {
    /// The stored message (the first one for a duplicate).
    pub interaction: InteractionDto,
    /// Whether the provider id had already been stored.
    pub duplicate: bool,
}

fn field(name: &str, message: &str) -> Problem {
    Problem::validation(vec![FieldError::new(name, message)])
}

fn to_command(body: RecordRequest, caller: &Caller) -> Result<RecordInteraction, Problem> {
    let direction = match body.direction.as_str() {
        "inbound" => Direction::Inbound,
        "outbound" => Direction::Outbound,
        _ => return Err(field("direction", "must be inbound or outbound")),
    };
    let content_type = match body.content_type.as_deref() {
        None => ContentType::Text,
        Some(raw) => {
            ContentType::parse(raw).ok_or_else(|| field("content_type", "unknown content type"))?
        }
    };
    let status = body
        .status
        .as_deref()
        .map(|raw| DeliveryStatus::parse(raw).ok_or_else(|| field("status", "unknown status")))
        .transpose()?;
    if let Some(meta) = &body.metadata {
        if !meta.is_object() {
            return Err(field("metadata", "must be a JSON object"));
        }
        if serde_json::to_vec(meta)
            .map(|v| v.len())
            .unwrap_or(usize::MAX)
            > MAX_METADATA_BYTES
        {
            return Err(field("metadata", "must be at most 16 KiB"));
        }
    }
    if body.text.is_none() && body.media.is_none() && content_type == ContentType::Text {
        return Err(field("text", "a text message needs text"));
    }
    if body
        .media
        .as_ref()
        .is_some_and(|m| !domain::inbound::is_https_url(&m.url))
    {
        return Err(field(
            "media.url",
            "must be an https:// URL of at most 2048 characters",
        ));
    }
    if body
        .external_id
        .as_deref()
        .is_some_and(|id| !domain::inbound::is_valid_provider_id(id))
    {
        return Err(field(
            "external_id",
            "must have 1 to 256 visible characters (no spaces or control characters)",
        ));
    }
    let media = body
        .media
        .map(|m| serde_json::to_value(m).unwrap_or_default());
    Ok(RecordInteraction {
        conversation_id: body.conversation_id.map(ConversationId),
        client_id: body.client_id.map(ClientId),
        channel: channel("channel", &body.channel)?,
        direction,
        content_type,
        text: body.text,
        media,
        status,
        external_id: body.external_id,
        occurred_at: body.occurred_at,
        metadata: body.metadata,
        source: match caller.0.method {
            AuthMethod::ApiToken => InteractionSource::Agent,
            _ => InteractionSource::Api,
        },
        recorded_by: caller.0.user_id,
    })
}

/// Inserts a normalised message (internal: an admin session or an API token). The same
/// `(clinic, channel, external_id)` twice answers 200 with the first message and
/// `duplicate: true`; a new message answers 201.
///
/// # Errors
/// 401, 403 (staff sessions), 404 (conversation or client not in this clinic), 409
/// `conversation_closed`, 422.
#[utoipa::path(post, path = "/api/interactions", tag = "conversations", request_body = RecordRequest,
    responses(
        (status = 201, description = "Stored", body = RecordResponse),
        (status = 200, description = "Already stored (duplicate provider id)", body = RecordResponse),
        (status = 403, description = "Only admins and API tokens may record messages", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation or client in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The conversation is closed", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn record(
    Recorder(caller): Recorder,
    state: web::Data<AppState>,
    body: web::Json<RecordRequest>,
) -> Result<HttpResponse, Problem> {
    let caller = Caller(caller);
    body.validate()?;
    let cmd = to_command(body.into_inner(), &caller)?;
    match state.conversations.record(caller.0.company_id, cmd).await {
        Ok(r) => {
            tracing::Span::current().record(
                "conversation_id",
                tracing::field::display(r.interaction.conversation_id),
            );
            let status = if r.duplicate {
                actix_web::http::StatusCode::OK
            } else {
                actix_web::http::StatusCode::CREATED
            };
            Ok(HttpResponse::build(status).json(RecordResponse {
                interaction: r.interaction.into(),
                duplicate: r.duplicate,
            }))
        }
        Err(RecordInteractionError::ClientRequired) => Err(field(
            "client_id",
            "required when conversation_id is absent",
        )),
        Err(RecordInteractionError::ClientMismatch) => {
            Err(field("client_id", "is not the conversation's client"))
        }
        Err(e @ RecordInteractionError::InvalidStatus { .. }) => {
            Err(field("status", &e.to_string()))
        }
        Err(
            RecordInteractionError::ClientNotFound | RecordInteractionError::ConversationNotFound,
        ) => Err(Problem::not_found()),
        Err(RecordInteractionError::ConversationClosed) => Err(Problem::conflict(
            "conversation_closed",
            "the conversation is closed",
        )),
        Err(RecordInteractionError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
