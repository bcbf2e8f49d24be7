//! Changing some fields of a client.

use super::fields;
use crate::crm::FieldIssue;
use domain::ClientId;
use domain::auth::Tenant;
use domain::clients::{Client, ClientStatus, ClientUpdate};
use domain::ports::clients::{ClientRepository, ClientWriteError, PhoneRegion};
use std::sync::Arc;

/// A partial change: `None` keeps a field, `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientPatch {
    /// Display name.
    pub name: Option<Option<String>>,
    /// Phone in any formatting.
    pub phone: Option<Option<String>>,
    /// E-mail.
    pub email: Option<Option<String>>,
    /// Instagram username.
    pub instagram_username: Option<Option<String>>,
    /// Notes.
    pub notes: Option<Option<String>>,
    /// Tags (replaced as a whole).
    pub tags: Option<Vec<String>>,
    /// Status.
    pub status: Option<ClientStatus>,
}

/// Why a client was not updated.
#[derive(Debug, thiserror::Error)]
pub enum UpdateClientError {
    /// No such client in the caller's clinic.
    #[error("client not found")]
    NotFound,
    /// Invalid fields.
    #[error("invalid client")]
    Invalid(Vec<FieldIssue>),
    /// Another client of the clinic has this phone.
    #[error("a client with this phone already exists")]
    PhoneTaken {
        /// That client.
        existing: ClientId,
    },
    /// The client was changed by someone else meanwhile.
    #[error("the client was changed concurrently")]
    Conflict,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Applies a [`ClientPatch`]; the client must keep at least one contact field.
pub struct UpdateClient {
    clients: Arc<dyn ClientRepository>,
    regions: Arc<dyn PhoneRegion>,
}

impl UpdateClient {
    /// The use case over its ports.
    #[must_use]
    pub fn new(clients: Arc<dyn ClientRepository>, regions: Arc<dyn PhoneRegion>) -> Self {
        Self { clients, regions }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`UpdateClientError::NotFound`], [`UpdateClientError::Invalid`],
    /// [`UpdateClientError::PhoneTaken`], [`UpdateClientError::Conflict`].
    pub async fn run(
        &self,
        tenant: Tenant,
        id: ClientId,
        patch: ClientPatch,
    ) -> Result<Client, UpdateClientError> {
        let current = self
            .clients
            .get(tenant, id)
            .await?
            .ok_or(UpdateClientError::NotFound)?;
        let mut issues = Vec::new();
        let mut next = current.fields();
        if let Some(name) = patch.name {
            next.name = fields::name(name, &mut issues);
        }
        if let Some(phone) = patch.phone {
            next.phone = match phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
                Some(raw) => {
                    let region = self.regions.default_region(tenant).await?;
                    fields::phone(raw, region, &mut issues)
                }
                None => None,
            };
        }
        if let Some(email) = patch.email {
            next.email = fields::email(email, &mut issues);
        }
        if let Some(ig) = patch.instagram_username {
            next.instagram_username = fields::instagram(ig, &mut issues);
        }
        if let Some(notes) = patch.notes {
            next.notes = fields::notes(notes, &mut issues);
        }
        if let Some(tags) = patch.tags {
            next.tags = fields::tags(tags, &mut issues);
        }
        if let Some(status) = patch.status {
            next.status = status;
        }
        if issues.is_empty() && !next.has_contact() {
            issues.push(fields::no_contact());
        }
        if !issues.is_empty() {
            return Err(UpdateClientError::Invalid(issues));
        }
        if next == current.fields() {
            return Ok(current);
        }
        let update = ClientUpdate {
            fields: next,
            expected_updated_at: current.updated_at,
            previous_phone: current.phone.clone(),
        };
        self.clients
            .update(tenant, id, update)
            .await
            .map_err(|e| match e {
                ClientWriteError::PhoneTaken { existing } => {
                    UpdateClientError::PhoneTaken { existing }
                }
                ClientWriteError::NotFound => UpdateClientError::NotFound,
                ClientWriteError::Stale => UpdateClientError::Conflict,
                ClientWriteError::Other(e) => UpdateClientError::Unknown(e),
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clients::testing::{stored_client, tenant};
    use domain::phone::{Phone, Region};
    use domain::ports::clients::{MockClientRepository, MockPhoneRegion};

    fn br() -> MockPhoneRegion {
        let mut regions = MockPhoneRegion::new();
        regions
            .expect_default_region()
            .returning(|_| Ok(Region::BR));
        regions
    }

    #[tokio::test]
    async fn a_new_phone_replaces_the_old_one_guarded_by_updated_at() {
        let current = stored_client(Some("+5511987654321"));
        let (id, seen) = (current.id, current.updated_at);
        let mut repo = MockClientRepository::new();
        let c = current.clone();
        repo.expect_get().returning(move |_, _| Ok(Some(c.clone())));
        repo.expect_update()
            .withf(move |_, i, u| {
                *i == id
                    && u.expected_updated_at == seen
                    && u.previous_phone.as_ref().map(Phone::as_str) == Some("+5511987654321")
                    && u.fields.phone.as_ref().map(Phone::as_str) == Some("+5521998765432")
                    && u.fields.name.as_deref() == Some("Maria")
            })
            .times(1)
            .returning(move |_, _, u| {
                let mut c = current.clone();
                c.phone = u.fields.phone;
                Ok(c)
            });
        let patch = ClientPatch {
            phone: Some(Some("21 99876-5432".into())),
            ..ClientPatch::default()
        };
        let updated = UpdateClient::new(Arc::new(repo), Arc::new(br()))
            .run(tenant(), id, patch)
            .await
            .unwrap();
        assert_eq!(updated.phone.unwrap().as_str(), "+5521998765432");
    }

    #[tokio::test]
    async fn clearing_the_last_contact_is_refused() {
        let mut current = stored_client(None);
        current.name = Some("Maria".into());
        let id = current.id;
        let mut repo = MockClientRepository::new();
        repo.expect_get()
            .returning(move |_, _| Ok(Some(current.clone())));
        repo.expect_update().never();
        let patch = ClientPatch {
            name: Some(None),
            ..ClientPatch::default()
        };
        let err = UpdateClient::new(Arc::new(repo), Arc::new(br()))
            .run(tenant(), id, patch)
            .await
            .unwrap_err();
        assert!(matches!(err, UpdateClientError::Invalid(_)), "{err:?}");
    }

    #[tokio::test]
    async fn another_clinics_client_is_not_found() {
        let mut repo = MockClientRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        repo.expect_update().never();
        let err = UpdateClient::new(Arc::new(repo), Arc::new(br()))
            .run(tenant(), ClientId::new(), ClientPatch::default())
            .await
            .unwrap_err();
        assert!(matches!(err, UpdateClientError::NotFound));
    }

    #[tokio::test]
    async fn a_concurrent_change_is_a_conflict() {
        let current = stored_client(Some("+5511987654321"));
        let id = current.id;
        let mut repo = MockClientRepository::new();
        repo.expect_get()
            .returning(move |_, _| Ok(Some(current.clone())));
        repo.expect_update()
            .returning(|_, _, _| Err(ClientWriteError::Stale));
        let patch = ClientPatch {
            status: Some(ClientStatus::Inactive),
            ..ClientPatch::default()
        };
        let err = UpdateClient::new(Arc::new(repo), Arc::new(br()))
            .run(tenant(), id, patch)
            .await
            .unwrap_err();
        assert!(matches!(err, UpdateClientError::Conflict));
    }
}
