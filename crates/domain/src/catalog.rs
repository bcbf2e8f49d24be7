//! The clinic's catalogue of services.

use crate::ServiceId;
use chrono::{DateTime, Utc};
use std::fmt;

/// Shortest service, in minutes.
pub const MIN_DURATION_MINUTES: i32 = 5;
/// Longest service, in minutes (a day).
pub const MAX_DURATION_MINUTES: i32 = 1440;

/// An ISO 4217 currency code (`BRL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

/// The text is not three upper-case letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a three-letter currency code")]
pub struct InvalidCurrency;

impl Currency {
    /// The Brazilian real, the default.
    pub const BRL: Self = Self(*b"BRL");

    /// Reads an upper-case three-letter code.
    ///
    /// # Errors
    /// [`InvalidCurrency`] unless `code` is three ASCII upper-case letters.
    pub fn parse(code: &str) -> Result<Self, InvalidCurrency> {
        match code.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_uppercase()) => Ok(Self([*a, *b, *c])),
            _ => Err(InvalidCurrency),
        }
    }

    /// The code.
    #[must_use]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("BRL")
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The writable fields of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFields {
    /// Name, unique in the clinic ignoring case and accents.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Price in cents of `currency` (≥ 0).
    pub price_cents: i64,
    /// Currency of the price.
    pub currency: Currency,
    /// Default appointment length, [`MIN_DURATION_MINUTES`]..=[`MAX_DURATION_MINUTES`].
    pub duration_minutes: i32,
    /// Whether new appointments may book it.
    pub active: bool,
}

/// A service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Its id.
    pub id: ServiceId,
    /// Its fields.
    pub fields: ServiceFields,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Service {
    /// The sort key of the service list.
    #[must_use]
    pub fn cursor(&self) -> ServiceCursor {
        ServiceCursor {
            name: self.fields.name.clone(),
            id: self.id,
        }
    }
}

/// The sort key of the service list (by name, then id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCursor {
    /// Name of the last service of the previous page.
    pub name: String,
    /// Its id (tie-breaker).
    pub id: ServiceId,
}

/// What the service list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServiceFilter {
    /// Only active (`Some(true)`) or inactive (`Some(false)`) services.
    pub active: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies() {
        assert_eq!(Currency::parse("BRL"), Ok(Currency::BRL));
        assert_eq!(
            Currency::parse("USD").map(|c| c.to_string()),
            Ok("USD".into())
        );
        for bad in ["brl", "BR", "BRLX", "B1L", ""] {
            assert_eq!(Currency::parse(bad), Err(InvalidCurrency), "{bad}");
        }
    }
}
