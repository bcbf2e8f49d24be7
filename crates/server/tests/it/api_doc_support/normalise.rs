//! Makes recorded traffic byte-stable: every value that changes from run to run (ids, clocks,
//! tokens, signatures, cursors, ports, the test clinic's random tag) becomes a fixed placeholder.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// Wall-clock RFC 3339 timestamps become this one.
pub const FIXED_TIME: &str = "2026-01-01T12:00:00Z";
/// Unix `timestamp`s (seconds) become this one (= [`FIXED_TIME`]).
pub const FIXED_UNIX: i64 = 1_767_268_800;
/// `latency_ms` values become this one.
pub const FIXED_LATENCY_MS: u64 = 850;
/// Opaque page cursors become this one.
pub const CURSOR: &str = "<cursor>";

/// Rewrites strings, JSON values, paths and headers into their stable form. UUIDs are numbered
/// by order of first appearance, so the normaliser must see the document in rendering order.
pub struct Normaliser {
    /// Literal replacements applied first (server and fake addresses, clinic tags).
    literals: Vec<(String, String)>,
    /// Literal replacements applied after the UUIDs (the clinics' random tags, which are also
    /// the tails of their company ids).
    tags: Vec<(String, String)>,
    uuids: HashMap<String, String>,
    /// Timestamps on this day (`YYYY-MM-DD`) are chosen by the tour, not read from a clock, and
    /// are kept.
    scenario_day: String,
}

impl Normaliser {
    /// A normaliser that keeps timestamps on `scenario_day` (`YYYY-MM-DD`).
    pub fn new(scenario_day: &str) -> Self {
        Self {
            literals: Vec::new(),
            tags: Vec::new(),
            uuids: HashMap::new(),
            scenario_day: scenario_day.to_owned(),
        }
    }

    /// Replaces `from` (e.g. `http://127.0.0.1:41234`) by `to` everywhere, before anything else.
    pub fn literal(&mut self, from: &str, to: &str) {
        self.literals.push((from.to_owned(), to.to_owned()));
    }

    /// Replaces a clinic's random tag (in its members' e-mails and passwords) by `to`.
    pub fn tag(&mut self, from: &str, to: &str) {
        self.tags.push((from.to_owned(), to.to_owned()));
    }

    /// The stable form of any text.
    pub fn text(&mut self, s: &str) -> String {
        let mut out = s.to_owned();
        for (from, to) in &self.literals {
            out = out.replace(from.as_str(), to);
        }
        out = self.uuids_in(&out);
        out = self.timestamps_in(&out);
        out = redact_prefixed(&out, "atk_");
        out = redact_prefixed(&out, "inv_");
        out = redact_prefixed(&out, "rst_");
        for (from, to) in &self.tags {
            out = out.replace(from.as_str(), to);
        }
        out
    }

    /// The stable form of a path with its query (`cursor=` values become [`CURSOR`]).
    pub fn path(&mut self, p: &str) -> String {
        let p = self.text(p);
        let Some((path, query)) = p.split_once('?') else {
            return p;
        };
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some(("cursor", _)) => format!("cursor={CURSOR}"),
                _ => kv.to_owned(),
            })
            .collect();
        format!("{path}?{}", query.join("&"))
    }

    /// The stable form of a request or response header value.
    pub fn header(&mut self, name: &str, value: &str) -> String {
        match name.to_ascii_lowercase().as_str() {
            "x-atende-signature" => "t=<unix seconds>,v1=<hex HMAC-SHA256>".to_owned(),
            "x-hub-signature-256" => "sha256=<hex HMAC-SHA256>".to_owned(),
            "cookie" | "set-cookie" => {
                let (pair, attrs) = value.split_once(';').unwrap_or((value, ""));
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let value = match value {
                    "" => "",
                    _ if name.ends_with("atende_device") => "<device>",
                    _ => "<session>",
                };
                let attrs = attrs
                    .split(';')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(|a| match a.split_once('=') {
                        Some((k, _)) if k.eq_ignore_ascii_case("expires") => {
                            format!("{k}=<date>")
                        }
                        _ => a.to_owned(),
                    })
                    .fold(String::new(), |acc, a| format!("{acc}; {a}"));
                format!("{name}={value}{attrs}")
            }
            _ => self.text(value),
        }
    }

    /// The stable form of a JSON value.
    pub fn json(&mut self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.json(i)).collect()),
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    let v = match (k.as_str(), v) {
                        ("next_cursor", Value::String(_)) => Value::String(CURSOR.to_owned()),
                        ("timestamp" | "time", Value::Number(n)) => {
                            // Meta sends milliseconds, the relay seconds.
                            let ms = n.as_i64().is_some_and(|n| n > 100_000_000_000);
                            Value::from(if ms { FIXED_UNIX * 1000 } else { FIXED_UNIX })
                        }
                        ("timestamp", Value::String(s)) if s.parse::<i64>().is_ok() => {
                            Value::String(FIXED_UNIX.to_string())
                        }
                        ("latency_ms", Value::Number(_)) => Value::from(FIXED_LATENCY_MS),
                        _ => self.json(v),
                    };
                    out.insert(self.text(k), v);
                }
                Value::Object(out)
            }
            other => other.clone(),
        }
    }

    fn uuids_in(&mut self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(at) = find_uuid(rest) {
            out.push_str(&rest[..at]);
            let found = rest[at..at + 36].to_ascii_lowercase();
            let next = self.uuids.len() + 1;
            let placeholder = self
                .uuids
                .entry(found)
                .or_insert_with(|| format!("00000000-0000-7000-8000-{next:012}"));
            out.push_str(placeholder);
            rest = &rest[at + 36..];
        }
        out.push_str(rest);
        out
    }

    fn timestamps_in(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some((at, len)) = find_timestamp(rest) {
            out.push_str(&rest[..at]);
            let found = &rest[at..at + len];
            if found.starts_with(&self.scenario_day) {
                out.push_str(found);
            } else {
                out.push_str(FIXED_TIME);
            }
            rest = &rest[at + len..];
        }
        out.push_str(rest);
        out
    }
}

/// `prefix` followed by base64url characters → `prefix<redacted>`.
fn redact_prefixed(s: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(after.len());
        out.push_str(&rest[..at + prefix.len()]);
        if len >= 16 {
            out.push_str("<redacted>");
            rest = &after[len..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The byte offset of the first UUID (8-4-4-4-12 hex) in `s`.
fn find_uuid(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(35)).find(|&i| {
        b[i..i + 36].iter().enumerate().all(|(j, c)| match j {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        }) && (i == 0 || !b[i - 1].is_ascii_hexdigit())
    })
}

/// The offset and length of the first RFC 3339 date-time in `s`
/// (`YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`).
fn find_timestamp(s: &str) -> Option<(usize, usize)> {
    const SHAPE: &[u8] = b"dddd-dd-ddTdd:dd:dd";
    let b = s.as_bytes();
    for i in 0..b.len() {
        if b.len() - i < SHAPE.len() + 1 {
            return None;
        }
        let fits = SHAPE.iter().zip(&b[i..]).all(|(want, c)| match want {
            b'd' => c.is_ascii_digit(),
            b'T' => *c == b'T' || *c == b't' || *c == b' ',
            other => c == other,
        });
        if !fits {
            continue;
        }
        let mut end = i + SHAPE.len();
        if b.get(end) == Some(&b'.') {
            end += 1;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
        }
        match b.get(end) {
            Some(b'Z' | b'z') => return Some((i, end + 1 - i)),
            Some(b'+' | b'-')
                if b.len() >= end + 6
                    && b[end + 1..end + 3].iter().all(u8::is_ascii_digit)
                    && b[end + 3] == b':'
                    && b[end + 4..end + 6].iter().all(u8::is_ascii_digit) =>
            {
                return Some((i, end + 6 - i));
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_clocks_tokens_and_cursors_become_placeholders() {
        let mut n = Normaliser::new("2030-03-04");
        n.tag("abcdef0123", "demo");
        let v = n.json(&json!({
            "id": "0193A1B2-C3D4-7E5F-8A9B-00abcdef0123",
            "again": "/api/x/0193a1b2-c3d4-7e5f-8a9b-00abcdef0123/y",
            "other": "0193a1b2-c3d4-7e5f-8a9b-111111111111",
            "at": "2026-11-29T05:40:12.123456Z", "kept": "2030-03-04T12:00:00Z",
            "token": "atk_AbCdEf0123456789_-xyzXYZ", "short": "atk_x",
            "next_cursor": "eyJ0IjoxfQ", "timestamp": 1_780_000_000_i64,
            "time": 1_780_000_000_000_i64, "latency_ms": 17,
            "email": "admin-abcdef0123@clinic.test"
        }));
        assert_eq!(
            v,
            json!({
                "id": "00000000-0000-7000-8000-000000000001",
                "again": "/api/x/00000000-0000-7000-8000-000000000001/y",
                "other": "00000000-0000-7000-8000-000000000002",
                "at": FIXED_TIME, "kept": "2030-03-04T12:00:00Z",
                "token": "atk_<redacted>", "short": "atk_x",
                "next_cursor": CURSOR, "timestamp": FIXED_UNIX, "time": FIXED_UNIX * 1000,
                "latency_ms": FIXED_LATENCY_MS, "email": "admin-demo@clinic.test"
            })
        );
        assert_eq!(
            n.path("/api/c?limit=1&cursor=eyJ0&q=a"),
            "/api/c?limit=1&cursor=<cursor>&q=a"
        );
        assert_eq!(
            n.header("set-cookie", "atende_session=s3cr3t; HttpOnly; Path=/"),
            "atende_session=<session>; HttpOnly; Path=/"
        );
        assert_eq!(
            n.text("at 2026-11-29T05:40:12+01:00."),
            format!("at {FIXED_TIME}.")
        );
    }
}
