//! Keyset pagination shared by every list: one page type, one request type, one way to cut a
//! page out of `limit + 1` rows. The wire format of cursors lives in `api-http`
//! (`pagination`); the row comparison in SQL in `infra-postgres` (`keyset`).

use uuid::Uuid;

/// Default page size of lists.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size of lists.
pub const MAX_LIMIT: u32 = 200;

/// One page to read: rows after the key `after` in list order, at most `limit` of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest<K = Uuid> {
    /// The key of the last row of the previous page.
    pub after: Option<K>,
    /// Page size (1..=[`MAX_LIMIT`]).
    pub limit: u32,
}

impl<K> PageRequest<K> {
    /// A request with `limit` clamped to 1..=[`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]).
    #[must_use]
    pub fn new(after: Option<K>, limit: Option<u32>) -> Self {
        Self {
            after,
            limit: limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
        }
    }
}

/// A page of rows, in list order, and the key after which the next page starts. The key of the
/// last row is the cursor of the next page, so pages never skip or repeat rows while rows are
/// added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, K = Uuid> {
    /// The rows, in list order.
    pub data: Vec<T>,
    /// The key to pass as `after` for the next page, `None` on the last page.
    pub next: Option<K>,
}

impl<T, K> Page<T, K> {
    /// Builds a page from up to `limit + 1` rows read in list order (the extra row only says
    /// that there is more).
    #[must_use]
    pub fn from_rows(mut rows: Vec<T>, limit: u32, key: impl Fn(&T) -> K) -> Self {
        let limit = limit as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more { rows.last().map(key) } else { None };
        Self { data: rows, next }
    }

    /// The same page with every row converted.
    #[must_use]
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U, K> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            next: self.next,
        }
    }

    /// The same page with every row converted, or the first error.
    ///
    /// # Errors
    /// The first error of `f`.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U, K>, E> {
        Ok(Page {
            data: self.data.into_iter().map(f).collect::<Result<_, _>>()?,
            next: self.next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_makes_a_cursor_and_is_dropped() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| *n * 10);
        assert_eq!(page.data, [1, 2]);
        assert_eq!(page.next, Some(20));
        let last = Page::from_rows(vec![1, 2], 2, |n| *n);
        assert_eq!(last.next, None);
        let mapped = page.map(|n| n + 1);
        assert_eq!((mapped.data, mapped.next), (vec![2, 3], Some(20)));
    }

    #[test]
    fn limits_are_clamped() {
        assert_eq!(PageRequest::<Uuid>::new(None, None).limit, DEFAULT_LIMIT);
        assert_eq!(PageRequest::<Uuid>::new(None, Some(0)).limit, 1);
        assert_eq!(PageRequest::<Uuid>::new(None, Some(999)).limit, MAX_LIMIT);
    }
}
