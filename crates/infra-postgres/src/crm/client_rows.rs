//! Rows of `clients` and `client_identities`, and their conversion to domain values.

use crate::schema::{client_identities, clients};
use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use domain::ClientId;
use domain::auth::Email;
use domain::clients::{Client, ClientIdentity, InstagramUsername};
use domain::phone::Phone;
use uuid::Uuid;

/// A `clients` row (without the generated `search_text`).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = clients, check_for_backend(diesel::pg::Pg))]
pub(super) struct ClientRow {
    pub id: Uuid,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub instagram_username: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<Option<String>>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A `client_identities` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = client_identities, check_for_backend(diesel::pg::Pg))]
pub(super) struct IdentityRow {
    pub id: Uuid,
    pub client_id: Uuid,
    pub channel: String,
    pub external_id: String,
    pub display_value: Option<String>,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ClientRow {
    /// The domain client, with `identities` (rows of this client).
    pub fn into_client(self, identities: Vec<IdentityRow>) -> anyhow::Result<Client> {
        let id = self.id;
        let ctx = move || format!("client {id} has a malformed column");
        Ok(Client {
            id: ClientId(self.id),
            name: self.name,
            phone: self
                .phone
                .as_deref()
                .map(Phone::from_e164)
                .transpose()
                .with_context(ctx)?,
            email: self
                .email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .with_context(ctx)?,
            instagram_username: self
                .instagram_username
                .as_deref()
                .map(InstagramUsername::parse)
                .transpose()
                .with_context(ctx)?,
            notes: self.notes,
            tags: self.tags.into_iter().flatten().collect(),
            status: self
                .status
                .parse()
                .map_err(anyhow::Error::msg)
                .with_context(ctx)?,
            identities: identities
                .into_iter()
                .map(IdentityRow::into_identity)
                .collect::<anyhow::Result<_>>()?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

impl IdentityRow {
    fn into_identity(self) -> anyhow::Result<ClientIdentity> {
        let id = self.id;
        let ctx = move || format!("client identity {id} has a malformed column");
        Ok(ClientIdentity {
            id: self.id,
            channel: self
                .channel
                .parse()
                .map_err(anyhow::Error::new)
                .with_context(ctx)?,
            external_id: self.external_id,
            display_value: self.display_value,
            phone: self
                .phone
                .as_deref()
                .map(Phone::from_e164)
                .transpose()
                .with_context(ctx)?,
            created_at: self.created_at,
        })
    }
}

/// Pairs client rows with their identity rows and converts them, keeping the clients' order.
pub(super) fn assemble(
    rows: Vec<ClientRow>,
    identities: Vec<IdentityRow>,
) -> anyhow::Result<Vec<Client>> {
    let mut by_client: std::collections::HashMap<Uuid, Vec<IdentityRow>> =
        std::collections::HashMap::new();
    for identity in identities {
        by_client
            .entry(identity.client_id)
            .or_default()
            .push(identity);
    }
    rows.into_iter()
        .map(|row| {
            let ids = by_client.remove(&row.id).unwrap_or_default();
            row.into_client(ids)
        })
        .collect()
}
