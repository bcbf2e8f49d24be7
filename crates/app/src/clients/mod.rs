//! Client use cases: create, update, fetch, list and search.

mod create;
mod fields;
mod query;
mod update;

pub use create::{CreateClient, CreateClientError, CreateClientInput};
pub use query::{GetClient, GetClientError, ListClients, ListClientsError, ListClientsQuery};
pub use update::{ClientPatch, UpdateClient, UpdateClientError};

#[cfg(test)]
pub(crate) mod testing {
    //! Fixtures of the client use-case tests.
    #![allow(clippy::unwrap_used)]

    use chrono::{TimeZone, Utc};
    use domain::auth::Tenant;
    use domain::clients::{Client, ClientStatus, NewClient};
    use domain::phone::Phone;
    use domain::{CompanyId, UserId};

    /// A tenant acting as a member.
    pub fn tenant() -> Tenant {
        Tenant {
            company_id: CompanyId::new(),
            user_id: Some(UserId::new()),
        }
    }

    /// What the store returns for `new`.
    pub fn client_from(new: NewClient) -> Client {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        Client {
            id: new.id,
            name: new.fields.name,
            phone: new.fields.phone,
            email: new.fields.email,
            instagram_username: new.fields.instagram_username,
            notes: new.fields.notes,
            tags: new.fields.tags,
            status: new.fields.status,
            identities: Vec::new(),
            created_at: at,
            updated_at: at,
        }
    }

    /// A stored client named Maria with `phone`.
    pub fn stored_client(phone: Option<&str>) -> Client {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        Client {
            id: domain::ClientId::new(),
            name: Some("Maria".into()),
            phone: phone.map(|p| Phone::from_e164(p).unwrap()),
            email: None,
            instagram_username: None,
            notes: None,
            tags: Vec::new(),
            status: ClientStatus::Active,
            identities: Vec::new(),
            created_at: at,
            updated_at: at,
        }
    }
}
