//! Bodies of `/api/api-tokens`.

use chrono::{DateTime, Utc};
use domain::auth::{ApiTokenSummary, Role};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /api/api-tokens`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiTokenRequest {
    /// A label (`n8n production`).
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// `admin` or `staff`.
    #[garde(skip)]
    #[schema(value_type = crate::users::dto::RoleDoc, example = "staff")]
    pub role: Role,
}

/// An API token (never its value).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenDto {
    /// Token id.
    pub id: Uuid,
    /// Label.
    pub name: String,
    /// `admin` or `staff`.
    #[schema(value_type = String, example = "staff")]
    pub role: Role,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last use (updated at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revocation time.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiTokenSummary> for ApiTokenDto {
    fn from(t: ApiTokenSummary) -> Self {
        Self {
            id: t.id,
            name: t.name,
            role: t.role,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// `201` of `POST /api/api-tokens`: the only response that shows the token.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiTokenDto {
    /// The token as stored.
    #[serde(flatten)]
    pub token_info: ApiTokenDto,
    /// `atk_…`: send as `Authorization: Bearer`. Shown once.
    pub token: String,
}

/// A page of tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenList {
    /// The tokens, in id order.
    pub data: Vec<ApiTokenDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
