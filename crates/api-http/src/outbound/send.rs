//! `POST /api/chat/send`: queue a reply to the patient.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use app::outbound::{SendReply, SendReplyError};
use domain::ConversationId;
use domain::auth::AuthMethod;
use domain::conversations::InteractionSource;
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::conversations::dto::InteractionDto;
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::Caller;
use crate::state::AppState;

/// The header that makes a send safe to repeat.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// `POST /api/chat/send` body.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// The thread.
    #[garde(skip)]
    pub conversation_id: Uuid,
    /// `whatsapp`, `instagram`, … (default: where the patient last wrote, else the thread's).
    #[garde(inner(length(chars, min = 1, max = 20)))]
    #[schema(min_length = 1, max_length = 20)]
    pub channel: Option<String>,
    /// The text, 1 to 4096 characters.
    #[garde(length(chars, min = 1, max = 4096))]
    #[schema(min_length = 1, max_length = 4096)]
    pub message: String,
}

/// The queued (or, for a repeated `Idempotency-Key`, the first) message.
#[derive(Debug, Serialize, ToSchema)]
pub struct SendResponse {
    /// The outbound message, `queued` when new.
    pub interaction: InteractionDto,
}

fn field(name: &str, message: &str) -> Problem {
    Problem::validation(vec![FieldError::new(name, message)])
}

/// The `Idempotency-Key` header: 1 to 255 visible ASCII characters.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, Problem> {
    let Some(raw) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let bytes = raw.as_bytes();
    if bytes.is_empty() || bytes.len() > 255 || !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(field(
            IDEMPOTENCY_KEY,
            "must be 1 to 255 visible ASCII characters",
        ));
    }
    Ok(Some(String::from_utf8_lossy(bytes).into_owned()))
}

/// Stores the reply as a `queued` outbound message and queues its dispatch to the clinic's
/// n8n relay, in one transaction (the thread is marked read by the sender). Repeating a send
/// with the same `Idempotency-Key` and the same body within 24 hours answers 200 with the first
/// message and sends nothing; the same key with another body is 422 `idempotency_key_reused`.
/// WhatsApp replies need the patient to have written within 24 hours (templates are not
/// supported).
///
/// # Errors
/// 401, 404 (conversation not in this clinic), 409 `conversation_closed`, 422
/// `validation_failed` / `no_channel_identity` / `outside_service_window` /
/// `idempotency_key_reused`.
#[utoipa::path(post, path = "/api/chat/send", tag = "conversations", request_body = SendRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible characters; the same key with the same body within 24 h returns the first send, with another body it is 422 idempotency_key_reused")),
    responses(
        (status = 202, description = "Queued", body = SendResponse),
        (status = 200, description = "Repeated Idempotency-Key: the first send, nothing sent again", body = SendResponse),
        (status = 404, description = "No such conversation in this clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 409, description = "The conversation is closed", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body or header, no identity on the channel, outside WhatsApp's 24-hour window, or an Idempotency-Key reused for another body", body = ProblemDoc, content_type = "application/problem+json"),
    ))]
pub async fn send(
    caller: Caller,
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<SendRequest>,
) -> Result<HttpResponse, Problem> {
    let span = tracing::Span::current();
    span.record("company_id", tracing::field::display(caller.0.company_id));
    span.record(
        "conversation_id",
        tracing::field::display(body.conversation_id),
    );
    body.validate()?;
    let body = body.into_inner();
    if body.message.trim().is_empty() {
        return Err(field("message", "must not be blank"));
    }
    let channel = body
        .channel
        .as_deref()
        .map(|c| crate::conversations::handlers::channel("channel", c))
        .transpose()?;
    let cmd = SendReply {
        conversation_id: ConversationId(body.conversation_id),
        channel,
        text: body.message,
        idempotency_key: idempotency_key(&req)?,
        sent_by: caller.0.user_id,
        source: match caller.0.method {
            AuthMethod::ApiToken => InteractionSource::Agent,
            _ => InteractionSource::Api,
        },
    };
    match state.outbox.send(caller.0.company_id, cmd).await {
        Ok(sent) => {
            let status = if sent.replayed {
                StatusCode::OK
            } else {
                StatusCode::ACCEPTED
            };
            Ok(HttpResponse::build(status).json(SendResponse {
                interaction: sent.interaction.into(),
            }))
        }
        Err(SendReplyError::NotFound) => Err(Problem::not_found()),
        Err(SendReplyError::ConversationClosed) => Err(Problem::conflict(
            "conversation_closed",
            "the conversation is closed",
        )),
        Err(SendReplyError::NoChannelIdentity(channel)) => Err(Problem::unprocessable(
            "no_channel_identity",
            format!("the client has no identity on {channel}"),
        )),
        Err(SendReplyError::IdempotencyKeyReused) => Err(Problem::unprocessable(
            "idempotency_key_reused",
            "this Idempotency-Key was used within 24 hours for another request (another \
             conversation, channel or message); use a new key for a new message",
        )),
        Err(SendReplyError::OutsideServiceWindow) => Err(Problem::unprocessable(
            "outside_service_window",
            "WhatsApp allows free-form replies only within 24 hours of the patient's last message \
             (template messages are not supported)",
        )),
        Err(SendReplyError::Unknown(e)) => Err(Problem::from_internal(&e)),
    }
}
