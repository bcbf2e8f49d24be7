//! Fetching one client and listing (searching) the clinic's clients.

use domain::ClientId;
use domain::auth::Tenant;
use domain::clients::{Client, ClientCursor, ClientFilter, ClientStatus};
use domain::page::{MAX_LIMIT, Page};
use domain::ports::clients::ClientRepository;
use std::sync::Arc;

/// Why a client could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum GetClientError {
    /// No such client in the caller's clinic (also for another clinic's ids).
    #[error("client not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// One client with its identities.
pub struct GetClient {
    clients: Arc<dyn ClientRepository>,
}

impl GetClient {
    /// The use case over its port.
    #[must_use]
    pub fn new(clients: Arc<dyn ClientRepository>) -> Self {
        Self { clients }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`GetClientError::NotFound`].
    pub async fn run(&self, tenant: Tenant, id: ClientId) -> Result<Client, GetClientError> {
        self.clients
            .get(tenant, id)
            .await?
            .ok_or(GetClientError::NotFound)
    }
}

/// A list request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListClientsQuery {
    /// Free text: name (case- and accent-insensitive), e-mail, Instagram, or phone digits.
    pub q: Option<String>,
    /// Only this status.
    pub status: Option<ClientStatus>,
    /// Only clients with this tag (ignoring case); trimmed, blank means none.
    pub tag: Option<String>,
    /// Continue after this key.
    pub after: Option<ClientCursor>,
    /// Page size (clamped to 1..=200).
    pub limit: u32,
}

/// Why the list failed.
#[derive(Debug, thiserror::Error)]
pub enum ListClientsError {
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Lists and searches clients, newest first.
pub struct ListClients {
    clients: Arc<dyn ClientRepository>,
}

impl ListClients {
    /// The use case over its port.
    #[must_use]
    pub fn new(clients: Arc<dyn ClientRepository>) -> Self {
        Self { clients }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`ListClientsError::Unknown`] when the store fails.
    pub async fn run(
        &self,
        tenant: Tenant,
        query: ListClientsQuery,
    ) -> Result<Page<Client, ClientCursor>, ListClientsError> {
        let (text, digits) = query
            .q
            .as_deref()
            .map_or((None, None), ClientFilter::search);
        let filter = ClientFilter {
            text,
            digits,
            status: query.status,
            tag: query
                .tag
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
        };
        let limit = query.limit.clamp(1, MAX_LIMIT);
        Ok(self
            .clients
            .list(tenant, filter, query.after, limit)
            .await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clients::testing::tenant;
    use domain::ports::clients::MockClientRepository;

    #[tokio::test]
    async fn a_phone_like_query_searches_digits_too() {
        let mut repo = MockClientRepository::new();
        repo.expect_list()
            .withf(|_, f, after, limit| {
                f.text.as_deref() == Some("+55 11 8765-4321")
                    && f.digits.as_deref() == Some("551187654321")
                    && f.tag.is_none()
                    && after.is_none()
                    && *limit == 200
            })
            .times(1)
            .returning(|_, _, _, _| {
                Ok(Page {
                    data: vec![],
                    next: None,
                })
            });
        let query = ListClientsQuery {
            q: Some("+55 11 8765-4321".into()),
            tag: Some("  ".into()),
            limit: 1000,
            ..ListClientsQuery::default()
        };
        let page = ListClients::new(Arc::new(repo))
            .run(tenant(), query)
            .await
            .unwrap();
        assert!(page.data.is_empty());
    }

    #[tokio::test]
    async fn a_missing_client_is_not_found() {
        let mut repo = MockClientRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        let err = GetClient::new(Arc::new(repo))
            .run(tenant(), ClientId::new())
            .await
            .unwrap_err();
        assert!(matches!(err, GetClientError::NotFound));
    }
}
