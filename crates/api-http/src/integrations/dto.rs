//! Bodies of `/api/integrations`. Secrets only ever travel inward: no response type has a field
//! that could hold one, and the input types do not implement `Debug`.

use chrono::{DateTime, Utc};
use domain::integration_admin::{IntegrationRecord, SecretChange, SecretsPatch};
use domain::integrations::{IntegrationSecrets, IntegrationStatus, Provider};
use garde::Validate;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What an integration connects to.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderDto {
    /// WhatsApp Cloud API (`account_id` = `phone_number_id`).
    Whatsapp,
    /// Instagram messaging (`account_id` = the Instagram account id).
    Instagram,
    /// The n8n relay (`account_id` = a name; `config.outbound_url` required).
    N8n,
    /// An OpenAI-compatible model (`account_id` = a name; `config.base_url`, `config.model`).
    Openai,
}

impl From<ProviderDto> for Provider {
    fn from(p: ProviderDto) -> Self {
        match p {
            ProviderDto::Whatsapp => Self::Whatsapp,
            ProviderDto::Instagram => Self::Instagram,
            ProviderDto::N8n => Self::N8n,
            ProviderDto::Openai => Self::Openai,
        }
    }
}

/// Whether an integration routes traffic.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusDto {
    /// In use.
    Active,
    /// Kept, but its deliveries are refused like an unknown account's.
    Inactive,
}

impl From<StatusDto> for IntegrationStatus {
    fn from(s: StatusDto) -> Self {
        match s {
            StatusDto::Active => Self::Active,
            StatusDto::Inactive => Self::Inactive,
        }
    }
}

/// The secrets of a new integration, each 8 to 512 characters. Never returned.
#[derive(Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretsInput {
    /// Verifies Atende-signed deliveries from n8n (`X-Atende-Signature`).
    #[garde(inner(length(chars, min = 8, max = 512)))]
    #[schema(min_length = 8, max_length = 512)]
    pub webhook_secret: Option<String>,
    /// Meta's app secret (verifies `X-Hub-Signature-256`).
    #[garde(inner(length(chars, min = 8, max = 512)))]
    #[schema(min_length = 8, max_length = 512)]
    pub app_secret: Option<String>,
    /// Meta's webhook verify token (the GET handshake).
    #[garde(inner(length(chars, min = 8, max = 512)))]
    #[schema(min_length = 8, max_length = 512)]
    pub verify_token: Option<String>,
    /// Signs Atende's calls to the n8n outbound webhook.
    #[garde(inner(length(chars, min = 8, max = 512)))]
    #[schema(min_length = 8, max_length = 512)]
    pub outbound_secret: Option<String>,
    /// The OpenAI-compatible API key.
    #[garde(inner(length(chars, min = 8, max = 512)))]
    #[schema(min_length = 8, max_length = 512)]
    pub api_key: Option<String>,
}

impl From<SecretsInput> for IntegrationSecrets {
    fn from(s: SecretsInput) -> Self {
        Self {
            webhook_secret: s.webhook_secret,
            app_secret: s.app_secret,
            verify_token: s.verify_token,
            outbound_secret: s.outbound_secret,
            api_key: s.api_key,
        }
    }
}

/// `POST /api/integrations`.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIntegrationRequest {
    /// `whatsapp`, `instagram`, `n8n` or `openai`; cannot be changed later.
    #[garde(skip)]
    #[schema(example = "whatsapp")]
    pub provider: ProviderDto,
    /// The WhatsApp `phone_number_id`, the Instagram account id, or a name (n8n, openai);
    /// unique per provider within the clinic (other clinics may hold the same one: deliveries
    /// go to the integration whose own secret signs them); cannot be changed later.
    #[garde(length(chars, min = 1, max = 200))]
    #[schema(example = "109876543210987", min_length = 1, max_length = 200)]
    pub account_id: String,
    /// Non-secret settings (a JSON object of at most 8 KiB; no key naming a secret, token, key
    /// or password). n8n: `outbound_url` (https). openai: `base_url` (https), `model`.
    #[garde(skip)]
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// The secrets (stored encrypted, never returned).
    #[garde(dive)]
    #[serde(default)]
    pub secrets: SecretsInput,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// Secret changes of a `PATCH`: a value replaces (rotates) the secret, `null` removes it, an
/// absent key keeps it.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretsPatchInput {
    /// See [`SecretsInput::webhook_secret`].
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 8, max_length = 512)]
    pub webhook_secret: Option<Option<String>>,
    /// See [`SecretsInput::app_secret`].
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 8, max_length = 512)]
    pub app_secret: Option<Option<String>>,
    /// See [`SecretsInput::verify_token`].
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 8, max_length = 512)]
    pub verify_token: Option<Option<String>>,
    /// See [`SecretsInput::outbound_secret`].
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 8, max_length = 512)]
    pub outbound_secret: Option<Option<String>>,
    /// See [`SecretsInput::api_key`].
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, min_length = 8, max_length = 512)]
    pub api_key: Option<Option<String>>,
}

/// A key that is present: `null` → `Some(None)`; an absent key stays `None` through `default`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn change(value: Option<Option<String>>) -> SecretChange {
    match value {
        None => SecretChange::Keep,
        Some(None) => SecretChange::Remove,
        Some(Some(v)) => SecretChange::Set(v),
    }
}

impl From<SecretsPatchInput> for SecretsPatch {
    fn from(s: SecretsPatchInput) -> Self {
        Self {
            webhook_secret: change(s.webhook_secret),
            app_secret: change(s.app_secret),
            verify_token: change(s.verify_token),
            outbound_secret: change(s.outbound_secret),
            api_key: change(s.api_key),
        }
    }
}

/// `PATCH /api/integrations/{id}`. `provider` and `account_id` cannot be changed.
#[derive(Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIntegrationRequest {
    /// Replaces the whole configuration (same rules as on creation).
    #[garde(skip)]
    #[schema(value_type = Option<Object>)]
    pub config: Option<serde_json::Value>,
    /// Secret changes (each new value 8 to 512 characters).
    #[garde(skip)]
    pub secrets: Option<SecretsPatchInput>,
    /// `active` or `inactive`.
    #[garde(skip)]
    #[schema(example = "inactive")]
    pub status: Option<StatusDto>,
}

/// An integration. Secrets are never returned: `has_*` says which are set.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationDto {
    /// Integration id.
    pub id: Uuid,
    /// `whatsapp`, `instagram`, `n8n` or `openai`.
    #[schema(example = "whatsapp")]
    pub provider: &'static str,
    /// The account id.
    pub account_id: String,
    /// Non-secret settings.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
    /// `active` or `inactive`.
    #[schema(example = "active")]
    pub status: &'static str,
    /// A `webhook_secret` is set.
    pub has_webhook_secret: bool,
    /// An `app_secret` is set.
    pub has_app_secret: bool,
    /// A `verify_token` is set.
    pub has_verify_token: bool,
    /// An `outbound_secret` is set.
    pub has_outbound_secret: bool,
    /// An `api_key` is set.
    pub has_api_key: bool,
    /// When a delivery signed with this integration's own secret first reached it; `null`
    /// while it is pending (docs/integrations.md, "Who owns an account id").
    pub verified_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<IntegrationRecord> for IntegrationDto {
    fn from(r: IntegrationRecord) -> Self {
        Self {
            id: r.id.0,
            provider: r.provider.as_str(),
            has_webhook_secret: r.has("webhook_secret"),
            has_app_secret: r.has("app_secret"),
            has_verify_token: r.has("verify_token"),
            has_outbound_secret: r.has("outbound_secret"),
            has_api_key: r.has("api_key"),
            account_id: r.account_id,
            config: r.config,
            status: r.status.as_str(),
            verified_at: r.verified_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A page of integrations.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationList {
    /// The integrations, in id order.
    pub data: Vec<IntegrationDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
