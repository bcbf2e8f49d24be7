//! `?limit=&cursor=` of every list.

use domain::page::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::problem::{FieldError, Problem};

/// Keyset pagination parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListQuery {
    /// The page to read.
    ///
    /// # Errors
    /// 422 `validation_failed` for a limit out of range or a cursor this API did not issue.
    // `Problem` is the HTTP layer's one error type, built at most once per request.
    #[allow(clippy::result_large_err)]
    pub fn page(&self) -> Result<PageRequest, Problem> {
        if self
            .limit
            .is_some_and(|l| !(1..=domain::page::MAX_LIMIT).contains(&l))
        {
            return Err(Problem::validation(vec![FieldError::new(
                "limit",
                "must be between 1 and 200",
            )]));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(Uuid::parse_str(c).map_err(|_| {
                Problem::validation(vec![FieldError::new("cursor", "invalid cursor")])
            })?),
        };
        Ok(PageRequest::new(after, self.limit))
    }
}

/// The cursor to return for `next`.
#[must_use]
pub fn cursor(next: Option<Uuid>) -> Option<String> {
    next.map(|id| id.to_string())
}
