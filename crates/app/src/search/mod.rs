//! Searching the clinic's messages (`GET /api/search/messages`): read-only, no events.

use domain::auth::Tenant;
use domain::page::{MAX_LIMIT, Page};
use domain::ports::search::MessageSearch;
use domain::search::{MessageHit, MessageHitCursor, MessageQuery, MessageSearchFilter};
use std::sync::Arc;

/// The ports behind search, built once by the composition root.
#[derive(Clone)]
pub struct Search {
    /// Full-text search over messages.
    pub messages: Arc<dyn MessageSearch>,
}

impl Search {
    /// `GET /api/search/messages`.
    #[must_use]
    pub fn messages(&self) -> SearchMessages {
        SearchMessages::new(self.messages.clone())
    }
}

/// Why the search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchMessagesError {
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// A search request: the checked query (`MessageQuery::parse`), the filters and the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchMessagesQuery {
    /// What to look for.
    pub query: MessageQuery,
    /// What else narrows it.
    pub filter: MessageSearchFilter,
    /// Continue after this key.
    pub after: Option<MessageHitCursor>,
    /// Page size (clamped to 1..=200).
    pub limit: u32,
}

/// Finds the clinic's messages, newest first, with highlighted snippets (any member).
pub struct SearchMessages {
    messages: Arc<dyn MessageSearch>,
}

impl SearchMessages {
    /// The use case over its port.
    #[must_use]
    pub fn new(messages: Arc<dyn MessageSearch>) -> Self {
        Self { messages }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`SearchMessagesError::Unknown`] when the store fails.
    pub async fn run(
        &self,
        tenant: Tenant,
        request: SearchMessagesQuery,
    ) -> Result<Page<MessageHit, MessageHitCursor>, SearchMessagesError> {
        let limit = request.limit.clamp(1, MAX_LIMIT);
        Ok(self
            .messages
            .search(tenant, request.query, request.filter, request.after, limit)
            .await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::clients::testing::tenant;
    use domain::Channel;
    use domain::ports::search::MockMessageSearch;

    #[tokio::test]
    async fn the_query_filter_and_a_clamped_limit_reach_the_store() {
        let mut store = MockMessageSearch::new();
        store
            .expect_search()
            .withf(|_, q, f, after, limit| {
                q.text() == "amanhã"
                    && q.prefix_tsquery() == "remarc:*"
                    && f.channel == Some(Channel::Whatsapp)
                    && after.is_none()
                    && *limit == MAX_LIMIT
            })
            .times(1)
            .returning(|_, _, _, _, _| {
                Ok(Page {
                    data: vec![],
                    next: None,
                })
            });
        let request = SearchMessagesQuery {
            query: MessageQuery::parse("amanhã remarc*").unwrap(),
            filter: MessageSearchFilter {
                channel: Some(Channel::Whatsapp),
                ..MessageSearchFilter::default()
            },
            after: None,
            limit: 5000,
        };
        let page = SearchMessages::new(Arc::new(store))
            .run(tenant(), request)
            .await
            .unwrap();
        assert!(page.data.is_empty());
    }

    #[tokio::test]
    async fn a_store_failure_is_unknown() {
        let mut store = MockMessageSearch::new();
        store
            .expect_search()
            .returning(|_, _, _, _, _| Err(anyhow::anyhow!("down")));
        let request = SearchMessagesQuery {
            query: MessageQuery::parse("nao").unwrap(),
            filter: MessageSearchFilter::default(),
            after: None,
            limit: 0,
        };
        let err = SearchMessages::new(Arc::new(store))
            .run(tenant(), request)
            .await
            .unwrap_err();
        assert!(matches!(err, SearchMessagesError::Unknown(_)));
    }
}
