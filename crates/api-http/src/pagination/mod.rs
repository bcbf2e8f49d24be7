//! The one pagination vocabulary of the API: `?limit=&cursor=` in, `{data, next_cursor}` out.
//!
//! - A [`List`] names a list and the type of its sort key; handlers declare one per route
//!   (`const LIST: List<ClientCursor> = List::new("clients")`).
//! - [`List::parse`] checks `?limit=` (1 to the list's maximum, its default when absent) and
//!   decodes `?cursor=`, collecting errors in a [`QueryParser`] so every bad parameter is named
//!   at once; [`PageQuery`] does the same for lists with no other parameter.
//! - [`List::encode`] turns the next page's key into `next_cursor`.
//!
//! The wire format (version 1) is `c1.` followed by base64url (no padding) of the JSON
//! `{"l": "<list>", "k": <key>}`. Decoding checks all of it: the version prefix, the encoding,
//! the list name and the key's shape, so a cursor of another list, of an older format, or
//! altered is refused with 422 `invalid_cursor` naming `cursor`. Cursors are not secret (they
//! hold the sort key of a row the caller has already seen); they are opaque so the format can
//! change with the version prefix.

mod keys;

use std::marker::PhantomData;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::page::PageRequest;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::crm::QueryParser;
use crate::problem::{FieldError, Problem};

pub use keys::CursorKey;

/// The version prefix of cursors.
pub const PREFIX: &str = "c1.";

/// Longest cursor accepted (a key is a few dozen bytes; services add a name of up to 200
/// characters).
const MAX_CURSOR_LEN: usize = 2048;

/// Page size bounds of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Page size when `?limit=` is absent.
    pub default: u32,
    /// Largest `?limit=`.
    pub max: u32,
}

/// The bounds of every list today: 1 to 200, default 50.
pub const BOUNDS: Bounds = Bounds {
    default: domain::page::DEFAULT_LIMIT,
    max: domain::page::MAX_LIMIT,
};

/// A list: its name (bound into its cursors), its bounds and the type of its sort key.
#[derive(Debug)]
pub struct List<K> {
    name: &'static str,
    bounds: Bounds,
    key: PhantomData<fn() -> K>,
}

/// The JSON inside a cursor.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<S, W> {
    /// The list the cursor belongs to.
    l: S,
    /// The sort key of the last row of the previous page.
    k: W,
}

/// Why a cursor was refused (never shown in detail: the answer is the same for all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidCursor;

impl<K: CursorKey> List<K> {
    /// A list named `name` with the usual [`BOUNDS`].
    #[must_use]
    pub const fn new(name: &'static str) -> Self {
        Self::with_bounds(name, BOUNDS)
    }

    /// A list named `name` with its own page size bounds.
    #[must_use]
    pub const fn with_bounds(name: &'static str, bounds: Bounds) -> Self {
        Self {
            name,
            bounds,
            key: PhantomData,
        }
    }

    /// The list's name.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The cursor of the page after `key`.
    #[must_use]
    pub fn cursor(&self, key: &K) -> String {
        let envelope = Envelope {
            l: self.name,
            k: key.to_wire(),
        };
        // Serialising plain keys (strings, numbers, uuids) cannot fail.
        let json = serde_json::to_vec(&envelope).unwrap_or_default();
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(json))
    }

    /// `next_cursor` of a page whose next page starts after `next`.
    #[must_use]
    pub fn encode(&self, next: Option<&K>) -> Option<String> {
        next.map(|k| self.cursor(k))
    }

    /// The key in a cursor of this list.
    ///
    /// # Errors
    /// [`InvalidCursor`] for anything this list did not issue.
    pub fn decode(&self, raw: &str) -> Result<K, InvalidCursor> {
        if raw.len() > MAX_CURSOR_LEN {
            return Err(InvalidCursor);
        }
        let body = raw.strip_prefix(PREFIX).ok_or(InvalidCursor)?;
        let json = URL_SAFE_NO_PAD
            .decode(body.as_bytes())
            .map_err(|_| InvalidCursor)?;
        let envelope: Envelope<String, K::Wire> =
            serde_json::from_slice(&json).map_err(|_| InvalidCursor)?;
        if envelope.l != self.name {
            return Err(InvalidCursor);
        }
        K::from_wire(envelope.k).ok_or(InvalidCursor)
    }

    /// Checks `?limit=` and decodes `?cursor=`, recording an error per bad parameter in `p`.
    pub fn parse(
        &self,
        p: &mut QueryParser,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> PageRequest<K> {
        let limit = match p.parse::<u32>("limit", limit) {
            None => self.bounds.default,
            Some(l) if (1..=self.bounds.max).contains(&l) => l,
            Some(_) => {
                p.error(
                    "limit",
                    &format!("must be between 1 and {}", self.bounds.max),
                );
                self.bounds.default
            }
        };
        let after = cursor.and_then(|raw| match self.decode(raw) {
            Ok(key) => Some(key),
            Err(InvalidCursor) => {
                p.error("cursor", CURSOR_MESSAGE);
                None
            }
        });
        PageRequest { after, limit }
    }

    /// [`List::parse`] for a query with no other parameter to check.
    ///
    /// # Errors
    /// 422 `validation_failed` naming `limit`, or `invalid_cursor` naming `cursor`.
    #[allow(clippy::result_large_err)] // `Problem` is the HTTP layer's one error type.
    pub fn page(
        &self,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<PageRequest<K>, Problem> {
        let mut p = QueryParser::default();
        let page = self.parse(&mut p, limit, cursor);
        p.finish()?;
        Ok(page)
    }
}

/// The field error of a refused cursor.
pub(crate) const CURSOR_MESSAGE: &str =
    "not a cursor of this list: pass next_cursor of the previous page as it was returned";

impl Problem {
    /// 422 `invalid_cursor`: `?cursor=` is not a `next_cursor` of this list (another list's, an
    /// older format, or altered); start again from the first page.
    pub fn invalid_cursor() -> Self {
        Self::new(
            actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_cursor",
            "Invalid cursor",
        )
        .with_detail("Start again from the first page (no cursor).")
        .with_errors([FieldError::new("cursor", CURSOR_MESSAGE)])
    }
}

/// `?limit=&cursor=` of a list with no other query parameter.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, as returned (opaque; a cursor of another list, of an
    /// older format or altered is refused with 422 `invalid_cursor`).
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The page to read of `list`.
    ///
    /// # Errors
    /// 422 `validation_failed` naming `limit`, or `invalid_cursor` naming `cursor`.
    #[allow(clippy::result_large_err)] // `Problem` is the HTTP layer's one error type.
    pub fn page<K: CursorKey>(&self, list: &List<K>) -> Result<PageRequest<K>, Problem> {
        list.page(self.limit.as_deref(), self.cursor.as_deref())
    }
}

#[cfg(test)]
mod tests;
