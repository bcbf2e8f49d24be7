//! Keyset pagination shared by every list.

use uuid::Uuid;

/// Default page size of lists.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size of lists.
pub const MAX_LIMIT: u32 = 200;

/// One page to read: rows with an id greater than `after`, at most `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// The last id of the previous page.
    pub after: Option<Uuid>,
    /// Page size (1..=[`MAX_LIMIT`]).
    pub limit: u32,
}

impl PageRequest {
    /// A request with `limit` clamped to 1..=[`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]).
    #[must_use]
    pub fn new(after: Option<Uuid>, limit: Option<u32>) -> Self {
        Self {
            after,
            limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        }
    }
}

/// A page of rows and the cursor of the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub data: Vec<T>,
    /// The id to pass as `after` for the next page, `None` on the last page.
    pub next: Option<Uuid>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows read in id order (the extra row only says that
    /// there is more).
    #[must_use]
    pub fn from_rows(mut rows: Vec<T>, limit: u32, id: impl Fn(&T) -> Uuid) -> Self {
        let limit = limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more { rows.last().map(id) } else { None };
        Self { data: rows, next }
    }
}
