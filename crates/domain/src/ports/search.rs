//! Searching the clinic's messages.

use crate::auth::Tenant;
use crate::page::Page;
use crate::search::{MessageHit, MessageHitCursor, MessageQuery, MessageSearchFilter};
use async_trait::async_trait;

/// Full-text search over the messages of the caller's clinic.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MessageSearch: Send + Sync {
    /// A page of the clinic's messages (not deleted) matching `query` and `filter`, newest first
    /// (by when they occurred, then id), after `after`, each with a highlighted snippet
    /// (computed for the page's rows only).
    ///
    /// # Errors
    /// When the store fails.
    async fn search(
        &self,
        tenant: Tenant,
        query: MessageQuery,
        filter: MessageSearchFilter,
        after: Option<MessageHitCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<MessageHit, MessageHitCursor>>;
}
