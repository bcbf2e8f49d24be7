//! Registering a client (by staff: status `active` unless said otherwise).

use super::fields;
use crate::crm::FieldIssue;
use domain::ClientId;
use domain::auth::Tenant;
use domain::clients::{Client, ClientFields, ClientStatus, NewClient, NewClientIdentity};
use domain::ports::clients::{ClientRepository, ClientWriteError, PhoneRegion};
use std::sync::Arc;

/// What the caller sends (already checked for shape and length by the HTTP layer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateClientInput {
    /// Display name.
    pub name: Option<String>,
    /// Phone in any formatting.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Instagram username (with or without `@`).
    pub instagram_username: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Status (default `active`).
    pub status: Option<ClientStatus>,
}

/// Why a client was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateClientError {
    /// Invalid fields (phone that does not parse, no contact at all, …).
    #[error("invalid client")]
    Invalid(Vec<FieldIssue>),
    /// Another client of the clinic has this phone.
    #[error("a client with this phone already exists")]
    PhoneTaken {
        /// That client.
        existing: ClientId,
    },
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Creates a client; a phone is normalised to E.164 in the clinic's region and recorded as the
/// client's WhatsApp identity.
pub struct CreateClient {
    clients: Arc<dyn ClientRepository>,
    regions: Arc<dyn PhoneRegion>,
}

impl CreateClient {
    /// The use case over its ports.
    #[must_use]
    pub fn new(clients: Arc<dyn ClientRepository>, regions: Arc<dyn PhoneRegion>) -> Self {
        Self { clients, regions }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`CreateClientError::Invalid`], [`CreateClientError::PhoneTaken`].
    pub async fn run(
        &self,
        tenant: Tenant,
        input: CreateClientInput,
    ) -> Result<Client, CreateClientError> {
        let mut issues = Vec::new();
        let phone = match input
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            Some(raw) => {
                let region = self.regions.default_region(tenant).await?;
                fields::phone(raw, region, &mut issues)
            }
            None => None,
        };
        let client = ClientFields {
            name: fields::name(input.name, &mut issues),
            phone,
            email: fields::email(input.email, &mut issues),
            instagram_username: fields::instagram(input.instagram_username, &mut issues),
            notes: fields::notes(input.notes, &mut issues),
            tags: fields::tags(input.tags, &mut issues),
            status: input.status.unwrap_or(ClientStatus::Active),
        };
        if issues.is_empty() && !client.has_contact() {
            issues.push(fields::no_contact());
        }
        if !issues.is_empty() {
            return Err(CreateClientError::Invalid(issues));
        }
        let identities = client
            .phone
            .iter()
            .map(NewClientIdentity::whatsapp)
            .collect();
        let new = NewClient {
            id: ClientId::new(),
            fields: client,
            identities,
        };
        self.clients.create(tenant, new).await.map_err(|e| match e {
            ClientWriteError::PhoneTaken { existing } => CreateClientError::PhoneTaken { existing },
            other => CreateClientError::Unknown(anyhow::Error::new(other)),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clients::testing::{client_from, tenant};
    use domain::channel::Channel;
    use domain::phone::Region;
    use domain::ports::clients::{MockClientRepository, MockPhoneRegion};

    fn region(r: Region) -> MockPhoneRegion {
        let mut regions = MockPhoneRegion::new();
        regions.expect_default_region().returning(move |_| Ok(r));
        regions
    }

    #[tokio::test]
    async fn a_phone_is_normalised_and_becomes_the_whatsapp_identity() {
        let t = tenant();
        let mut repo = MockClientRepository::new();
        repo.expect_create()
            .withf(move |tn, c| {
                *tn == t
                    && c.fields.phone.as_ref().map(|p| p.as_str()) == Some("+5511987654321")
                    && c.fields.status == ClientStatus::Active
                    && c.fields.name.as_deref() == Some("João Souza")
                    && c.identities.len() == 1
                    && c.identities[0].channel == Channel::Whatsapp
                    && c.identities[0].external_id == "5511987654321"
            })
            .times(1)
            .returning(|_, c| Ok(client_from(c)));
        let input = CreateClientInput {
            name: Some("  João Souza ".into()),
            phone: Some("(11) 8765-4321".into()),
            ..CreateClientInput::default()
        };
        let client = CreateClient::new(Arc::new(repo), Arc::new(region(Region::BR)))
            .run(t, input)
            .await
            .unwrap();
        assert_eq!(client.phone.unwrap().as_str(), "+5511987654321");
    }

    #[tokio::test]
    async fn an_unparseable_phone_and_email_are_named_and_nothing_is_stored() {
        let mut repo = MockClientRepository::new();
        repo.expect_create().never();
        let input = CreateClientInput {
            name: Some("Ana".into()),
            phone: Some("12ab".into()),
            email: Some("not-an-email".into()),
            ..CreateClientInput::default()
        };
        let err = CreateClient::new(Arc::new(repo), Arc::new(region(Region::BR)))
            .run(tenant(), input)
            .await
            .unwrap_err();
        let CreateClientError::Invalid(issues) = err else {
            panic!("{err:?}")
        };
        let named: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(named, ["phone", "email"]);
    }

    #[tokio::test]
    async fn a_client_needs_some_contact() {
        let mut repo = MockClientRepository::new();
        repo.expect_create().never();
        let mut regions = MockPhoneRegion::new();
        regions.expect_default_region().never();
        let input = CreateClientInput {
            name: Some("   ".into()),
            notes: Some("only notes".into()),
            ..CreateClientInput::default()
        };
        let err = CreateClient::new(Arc::new(repo), Arc::new(regions))
            .run(tenant(), input)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, CreateClientError::Invalid(i) if i[0].field == "name"),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_taken_phone_is_a_conflict_naming_the_existing_client() {
        let existing = ClientId::new();
        let mut repo = MockClientRepository::new();
        repo.expect_create()
            .times(1)
            .returning(move |_, _| Err(ClientWriteError::PhoneTaken { existing }));
        let input = CreateClientInput {
            phone: Some("+55 11 98765-4321".into()),
            ..CreateClientInput::default()
        };
        let err = CreateClient::new(Arc::new(repo), Arc::new(region(Region::BR)))
            .run(tenant(), input)
            .await
            .unwrap_err();
        assert!(matches!(err, CreateClientError::PhoneTaken { existing: e } if e == existing));
    }

    #[tokio::test]
    async fn national_numbers_follow_the_clinic_region() {
        let mut repo = MockClientRepository::new();
        repo.expect_create()
            .withf(|_, c| c.fields.phone.as_ref().map(|p| p.as_str()) == Some("+14155552671"))
            .returning(|_, c| Ok(client_from(c)));
        let input = CreateClientInput {
            phone: Some("(415) 555-2671".into()),
            status: Some(ClientStatus::Lead),
            ..CreateClientInput::default()
        };
        let us = Region::parse("US").unwrap();
        let client = CreateClient::new(Arc::new(repo), Arc::new(region(us)))
            .run(tenant(), input)
            .await
            .unwrap();
        assert_eq!(client.status, ClientStatus::Lead);
    }
}
