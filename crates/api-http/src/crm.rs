//! Helpers shared by the client, service and appointment routes: bodies whose every error names
//! its field, opaque keyset cursors, query parameters parsed one by one, and use-case field
//! issues as problems.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use garde::Validate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use std::str::FromStr;

use crate::problem::{FieldError, Problem};

/// Deserialises a JSON body into `T` and validates it. Unlike `web::Json<T>` alone, a value of
/// the wrong type names its field (`price_cents: invalid type, expected i64`).
///
/// # Errors
/// 422 `validation_failed` with one entry per bad field.
#[allow(clippy::result_large_err)] // `Problem` is the HTTP layer's one error type.
pub fn body<T>(value: serde_json::Value) -> Result<T, Problem>
where
    T: DeserializeOwned + Validate<Context = ()>,
{
    let parsed: T = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Problem::validation(vec![crate::extractors::serde_message::field_error(
            &path,
            &e.into_inner().to_string(),
        )])
    })?;
    parsed.validate()?;
    Ok(parsed)
}

/// For `Option<Option<T>>` PATCH fields: absent is `None`, `null` is `Some(None)`.
///
/// # Errors
/// As `T`'s deserialiser.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// An opaque cursor: base64url of the JSON of the sort key.
#[must_use]
pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// Query parameters parsed one by one, collecting one error per bad parameter.
#[derive(Debug, Default)]
pub struct QueryParser {
    errors: Vec<FieldError>,
}

impl QueryParser {
    /// `raw` parsed as `T`, or an error naming `field`.
    pub fn parse<T: FromStr>(&mut self, field: &str, raw: Option<&str>) -> Option<T> {
        let raw = raw?.trim();
        match raw.parse() {
            Ok(v) => Some(v),
            Err(_) => {
                self.errors.push(FieldError::new(field, "invalid value"));
                None
            }
        }
    }

    /// An RFC 3339 time.
    pub fn time(&mut self, field: &str, raw: Option<&str>) -> Option<DateTime<Utc>> {
        self.parse::<DateTime<chrono::FixedOffset>>(field, raw)
            .map(|t| t.with_timezone(&Utc))
    }

    /// `?limit=`: 1 to 200, default 50.
    pub fn limit(&mut self, raw: Option<&str>) -> u32 {
        match self.parse::<u32>("limit", raw) {
            None => domain::listing::DEFAULT_LIMIT,
            Some(l) if (1..=domain::listing::MAX_LIMIT).contains(&l) => l,
            Some(_) => {
                self.errors
                    .push(FieldError::new("limit", "must be between 1 and 200"));
                domain::listing::DEFAULT_LIMIT
            }
        }
    }

    /// `?cursor=`: a key this API issued.
    pub fn cursor<K: DeserializeOwned>(&mut self, raw: Option<&str>) -> Option<K> {
        let raw = raw?;
        let key = URL_SAFE_NO_PAD
            .decode(raw.as_bytes())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        if key.is_none() {
            self.errors
                .push(FieldError::new("cursor", "invalid cursor"));
        }
        key
    }

    /// Records an error of `field`.
    pub fn error(&mut self, field: &str, message: &str) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Ends parsing.
    ///
    /// # Errors
    /// 422 `validation_failed` when any parameter was bad.
    #[allow(clippy::result_large_err)] // `Problem` is the HTTP layer's one error type.
    pub fn finish(self) -> Result<(), Problem> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Problem::validation(self.errors).with_detail("invalid query string"))
        }
    }
}

/// Microseconds since the epoch (the database's precision) back to a time.
#[must_use]
pub fn from_micros(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Probe {
        #[garde(range(min = 0))]
        price_cents: i64,
        #[garde(inner(length(max = 2), inner(length(chars, max = 3))))]
        tags: Option<Vec<String>>,
    }

    fn err(v: serde_json::Value) -> Vec<FieldError> {
        body::<Probe>(v).unwrap_err().errors
    }

    #[test]
    fn every_body_error_names_its_field() {
        use serde_json::json;
        assert_eq!(err(json!({"price_cents": "x"}))[0].field, "price_cents");
        assert_eq!(
            err(json!({"price_cents": "x"}))[0].message,
            "invalid type, expected i64"
        );
        assert_eq!(err(json!({"price_cents": 1, "nope": 1}))[0].field, "nope");
        assert_eq!(err(json!({}))[0].field, "price_cents");
        assert_eq!(err(json!({"price_cents": -1}))[0].field, "price_cents");
        assert_eq!(
            err(json!({"price_cents": 1, "tags": ["a", 2]}))[0].field,
            "tags[1]"
        );
        assert_eq!(
            err(json!({"price_cents": 1, "tags": ["abcd"]}))[0].field,
            "tags[0]"
        );
        assert!(body::<Probe>(json!({"price_cents": 1})).is_ok());
    }

    #[test]
    fn cursors_and_limits() {
        let raw = encode_cursor(&(5_i64, "x".to_owned()));
        let mut q = QueryParser::default();
        assert_eq!(q.cursor::<(i64, String)>(Some(&raw)), Some((5, "x".into())));
        assert_eq!(q.limit(None), 50);
        assert!(q.finish().is_ok());
        let mut q = QueryParser::default();
        assert_eq!(q.cursor::<(i64, String)>(Some("garbage")), None);
        q.limit(Some("0"));
        q.limit(Some("abc"));
        let fields: Vec<_> = q
            .finish()
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["cursor", "limit", "limit"]);
    }
}
