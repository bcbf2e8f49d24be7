//! Opaque keyset cursors of the conversation lists: base64url of `<rfc3339 time>|<uuid>`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use domain::conversations::SortCursor;

use crate::problem::{FieldError, Problem};

/// Encodes the position after which the next page starts.
#[must_use]
pub fn encode(cursor: Option<SortCursor>) -> Option<String> {
    cursor.map(|c| {
        URL_SAFE_NO_PAD.encode(format!(
            "{}|{}",
            c.at.to_rfc3339_opts(SecondsFormat::Micros, true),
            c.id
        ))
    })
}

/// Decodes a cursor this API issued.
///
/// # Errors
/// 422 `validation_failed` naming `cursor` for anything else.
pub fn decode(raw: Option<&str>) -> Result<Option<SortCursor>, Problem> {
    let Some(raw) = raw else { return Ok(None) };
    let invalid = || Problem::validation(vec![FieldError::new("cursor", "invalid cursor")]);
    let bytes = URL_SAFE_NO_PAD
        .decode(raw.as_bytes())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (at, id) = text.split_once('|').ok_or_else(invalid)?;
    let at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| invalid())?
        .with_timezone(&Utc);
    let id = uuid::Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok(Some(SortCursor { at, id }))
}

/// Checks `?limit=` (1..=200, default 50).
///
/// # Errors
/// 422 `validation_failed` naming `limit`.
pub fn limit(raw: Option<u32>) -> Result<u32, Problem> {
    match raw {
        None => Ok(domain::page::DEFAULT_LIMIT),
        Some(l) if (1..=domain::page::MAX_LIMIT).contains(&l) => Ok(l),
        Some(_) => Err(Problem::validation(vec![FieldError::new(
            "limit",
            "must be between 1 and 200",
        )])),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = SortCursor {
            at: Utc::now(),
            id: uuid::Uuid::now_v7(),
        };
        let encoded = encode(Some(c)).unwrap();
        let back = decode(Some(&encoded)).unwrap().unwrap();
        assert_eq!(back.id, c.id);
        assert_eq!(back.at.timestamp_micros(), c.at.timestamp_micros());
        assert!(decode(Some("not-a-cursor")).is_err());
        assert!(decode(None).unwrap().is_none());
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(201)).is_err());
        assert_eq!(limit(None).unwrap(), 50);
    }
}
