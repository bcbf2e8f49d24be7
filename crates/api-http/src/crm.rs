//! Helpers shared by the client, service and appointment routes: bodies whose every error names
//! its field, and query parameters parsed one by one.

use chrono::{DateTime, Utc};
use garde::Validate;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
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

    /// Records an error of `field`.
    pub fn error(&mut self, field: &str, message: &str) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Ends parsing.
    ///
    /// # Errors
    /// 422 `invalid_cursor` when the cursor alone was bad, else `validation_failed` when any
    /// parameter was.
    #[allow(clippy::result_large_err)] // `Problem` is the HTTP layer's one error type.
    pub fn finish(self) -> Result<(), Problem> {
        if self.errors.is_empty() {
            Ok(())
        } else if self.errors.iter().all(|e| e.field == "cursor") {
            Err(Problem::invalid_cursor())
        } else {
            Err(Problem::validation(self.errors).with_detail("invalid query string"))
        }
    }
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
}
