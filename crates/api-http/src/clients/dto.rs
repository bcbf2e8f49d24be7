//! Bodies of `/api/clients`.

use chrono::{DateTime, Utc};
use domain::clients::{Client, ClientIdentity, ClientStatus};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `lead`, `active` or `inactive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientStatusDto {
    /// Known from a message, not yet a patient.
    Lead,
    /// A patient.
    Active,
    /// No longer followed up.
    Inactive,
}

impl From<ClientStatusDto> for ClientStatus {
    fn from(s: ClientStatusDto) -> Self {
        match s {
            ClientStatusDto::Lead => Self::Lead,
            ClientStatusDto::Active => Self::Active,
            ClientStatusDto::Inactive => Self::Inactive,
        }
    }
}

impl From<ClientStatus> for ClientStatusDto {
    fn from(s: ClientStatus) -> Self {
        match s {
            ClientStatus::Lead => Self::Lead,
            ClientStatus::Active => Self::Active,
            ClientStatus::Inactive => Self::Inactive,
        }
    }
}

/// How the client is reached on one channel.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityDto {
    /// Identity id.
    pub id: Uuid,
    /// `whatsapp`, `instagram`, `email` or `sms`.
    #[schema(example = "whatsapp")]
    pub channel: String,
    /// The channel's canonical id: WhatsApp numbers as digits with the ninth digit, or a
    /// business-scoped user id (`BR.…`).
    #[schema(example = "5511987654321")]
    pub external_id: String,
    /// What to show.
    pub display_value: Option<String>,
    /// The E.164 phone behind the identity, when known.
    pub phone: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<ClientIdentity> for IdentityDto {
    fn from(i: ClientIdentity) -> Self {
        Self {
            id: i.id,
            channel: i.channel.as_str().to_owned(),
            external_id: i.external_id,
            display_value: i.display_value,
            phone: i.phone.map(|p| p.as_str().to_owned()),
            created_at: i.created_at,
        }
    }
}

/// A client.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientDto {
    /// Client id.
    pub id: Uuid,
    /// Display name.
    pub name: Option<String>,
    /// E.164 phone.
    #[schema(example = "+5511987654321")]
    pub phone: Option<String>,
    /// Lower-cased e-mail.
    pub email: Option<String>,
    /// Instagram username (lower-cased, without `@`).
    pub instagram_username: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Funnel status.
    pub status: ClientStatusDto,
    /// Channel identities.
    pub identities: Vec<IdentityDto>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Client> for ClientDto {
    fn from(c: Client) -> Self {
        Self {
            id: c.id.as_uuid(),
            name: c.name,
            phone: c.phone.map(|p| p.as_str().to_owned()),
            email: c.email.map(|e| e.as_str().to_owned()),
            instagram_username: c.instagram_username.map(|u| u.as_str().to_owned()),
            notes: c.notes,
            tags: c.tags,
            status: c.status.into(),
            identities: c.identities.into_iter().map(IdentityDto::from).collect(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A page of clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientList {
    /// The clients, newest first.
    pub data: Vec<ClientDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/clients`: at least one of `name`, `phone`, `email`, `instagram_username`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClientRequest {
    /// Display name, 1 to 200 characters.
    #[garde(length(chars, min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Phone in any formatting; national numbers are read in the clinic's region (BR by
    /// default). Becomes the client's WhatsApp identity.
    #[garde(length(chars, min = 1, max = 32))]
    #[schema(example = "+55 11 98765-4321", min_length = 1, max_length = 32)]
    pub phone: Option<String>,
    /// E-mail, up to 254 characters.
    #[garde(length(chars, min = 3, max = 254))]
    #[schema(min_length = 3, max_length = 254)]
    pub email: Option<String>,
    /// Instagram username, with or without `@` (up to 30 characters without it).
    #[garde(length(chars, min = 1, max = 31))]
    #[schema(min_length = 1, max_length = 31)]
    pub instagram_username: Option<String>,
    /// Notes, up to 2,000 characters.
    #[garde(length(chars, max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// At most 20 tags of 1 to 50 characters.
    #[garde(inner(length(max = 20), inner(length(chars, min = 1, max = 50))))]
    #[schema(value_type = Option<Vec<TagDoc>>, max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// Default `active` (webhooks create `lead`s).
    #[garde(skip)]
    pub status: Option<ClientStatusDto>,
}

/// `PATCH /api/clients/{id}`: absent fields are kept; `null` clears a field.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClientRequest {
    /// Display name, 1 to 200 characters.
    #[garde(length(chars, min = 1, max = 200))]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 200)]
    pub name: Option<Option<String>>,
    /// Phone in any formatting.
    #[garde(length(chars, min = 1, max = 32))]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 32)]
    pub phone: Option<Option<String>>,
    /// E-mail.
    #[garde(length(chars, min = 3, max = 254))]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<String>, min_length = 3, max_length = 254)]
    pub email: Option<Option<String>>,
    /// Instagram username.
    #[garde(length(chars, min = 1, max = 31))]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 31)]
    pub instagram_username: Option<Option<String>>,
    /// Notes.
    #[garde(length(chars, max = 2000))]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub notes: Option<Option<String>>,
    /// Replaces the tags (at most 20 of 1 to 50 characters).
    #[garde(inner(length(max = 20), inner(length(chars, min = 1, max = 50))))]
    #[schema(value_type = Option<Vec<TagDoc>>, max_items = 20)]
    pub tags: Option<Vec<String>>,
    /// Funnel status.
    #[garde(skip)]
    pub status: Option<ClientStatusDto>,
}

/// A client tag, 1 to 50 characters.
#[derive(ToSchema)]
#[schema(as = Tag, min_length = 1, max_length = 50, example = "botox")]
pub struct TagDoc(pub String);
