//! Bodies of `/api/api-tokens`.

use chrono::{DateTime, Utc};
use domain::auth::{ApiTokenSummary, Role, Scope, Scopes};
use garde::Validate;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A scope of an API token (`admin` implies the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum ScopeDto {
    /// Read the clinic's data (every non-admin `GET`).
    #[serde(rename = "read")]
    Read,
    /// Change clients, services, appointments and conversations.
    #[serde(rename = "write")]
    Write,
    /// Send replies, retry them and record messages (n8n-style senders).
    #[serde(rename = "messages:write")]
    MessagesWrite,
    /// Members, API tokens, integrations and settings; implies every other scope.
    #[serde(rename = "admin")]
    Admin,
}

impl From<ScopeDto> for Scope {
    fn from(s: ScopeDto) -> Self {
        match s {
            ScopeDto::Read => Self::Read,
            ScopeDto::Write => Self::Write,
            ScopeDto::MessagesWrite => Self::MessagesWrite,
            ScopeDto::Admin => Self::Admin,
        }
    }
}

impl From<Scope> for ScopeDto {
    fn from(s: Scope) -> Self {
        match s {
            Scope::Read => Self::Read,
            Scope::Write => Self::Write,
            Scope::MessagesWrite => Self::MessagesWrite,
            Scope::Admin => Self::Admin,
        }
    }
}

/// The scopes as listed.
#[must_use]
pub fn scope_list(scopes: Scopes) -> Vec<ScopeDto> {
    scopes.iter().map(ScopeDto::from).collect()
}

/// `Some(None)` for an explicit `null`, `Some(Some(t))` for a time; the field absent is `None`
/// (through `#[serde(default)]`).
fn explicit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<DateTime<Utc>>>, D::Error> {
    Option::<DateTime<Utc>>::deserialize(d).map(Some)
}

/// `POST /api/api-tokens`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiTokenRequest {
    /// A label (`n8n production`).
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// What the token may do (1 to 4 scopes). A token can be given no scope its creator lacks.
    #[garde(inner(length(min = 1, max = 4)))]
    #[schema(min_items = 1, max_items = 4, example = json!(["read", "messages:write"]))]
    pub scopes: Option<Vec<ScopeDto>>,
    /// Deprecated: instead of `scopes`, the scopes of a member with this role (`admin`: all;
    /// `staff`: `read`, `write`, `messages:write`).
    #[garde(skip)]
    #[schema(value_type = Option<crate::users::dto::RoleDoc>, example = "staff")]
    pub role: Option<Role>,
    /// When the token stops working: absent means 90 days from now; a time at most one year
    /// away; `null` means never, which only a signed-in admin may ask for (not another token).
    /// A token created by a token never outlives it.
    #[garde(skip)]
    #[serde(default, deserialize_with = "explicit")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

/// An API token (never its value).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiTokenDto {
    /// Token id.
    pub id: Uuid,
    /// Label.
    pub name: String,
    /// The role it acts with: `admin` with the `admin` scope, else `staff`.
    #[schema(value_type = String, example = "staff")]
    pub role: Role,
    /// Its scopes.
    pub scopes: Vec<ScopeDto>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When it stops working (`null`: never).
    pub expires_at: Option<DateTime<Utc>>,
    /// The member who created it (its creator's disabling or demotion stops it).
    pub created_by: Option<Uuid>,
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
            scopes: scope_list(t.scopes),
            created_at: t.created_at,
            expires_at: t.expires_at,
            created_by: t.created_by.map(|u| u.as_uuid()),
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
