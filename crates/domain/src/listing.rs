//! Keyset pages ordered by a sort key other than the id alone (clients by creation time,
//! services by name, appointments by start time). The key of the last row is the cursor of the
//! next page, so pages never skip or repeat rows while rows are added.

pub use crate::page::{DEFAULT_LIMIT, MAX_LIMIT};

/// A page of rows and the key after which the next page starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeysetPage<T, K> {
    /// The rows, in list order.
    pub data: Vec<T>,
    /// The sort key of the last row, when more rows follow.
    pub next: Option<K>,
}

impl<T, K> KeysetPage<T, K> {
    /// Builds a page from up to `limit + 1` rows read in list order: the extra row only says
    /// that there is more.
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
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> KeysetPage<U, K> {
        KeysetPage {
            data: self.data.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_makes_a_cursor_and_is_dropped() {
        let page = KeysetPage::from_rows(vec![1, 2, 3], 2, |n| *n * 10);
        assert_eq!(page.data, [1, 2]);
        assert_eq!(page.next, Some(20));
        let last = KeysetPage::from_rows(vec![1, 2], 2, |n| *n);
        assert_eq!(last.next, None);
    }
}
