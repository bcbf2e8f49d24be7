//! The pure parts of `atende-bench chaos` (`just chaos`, issue 26): the result table, the forged
//! Meta delivery naming as many accounts as fit under the body cap, and the tiny HTTP request
//! parser of the local fakes. `chaos/` in the binary does the I/O.

use std::fmt::Write as _;

/// The webhook body cap of the server (docs/webhooks.md): 256 KiB.
pub const BODY_CAP: usize = 256 * 1024;

/// One row of the chaos table: a measured value against its target.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRow {
    /// The scenario (`sign-in burst`, `kill -9 worker`, …).
    pub scenario: String,
    /// What was measured.
    pub measurement: String,
    /// The measured value, as text with its unit.
    pub value: String,
    /// The target, as text.
    pub target: String,
    /// Whether the target was met (`None`: informative row without a target).
    pub met: Option<bool>,
}

impl FaultRow {
    /// A row with a target.
    #[must_use]
    pub fn new(scenario: &str, measurement: &str, value: String, target: &str, met: bool) -> Self {
        Self {
            scenario: scenario.to_owned(),
            measurement: measurement.to_owned(),
            value,
            target: target.to_owned(),
            met: Some(met),
        }
    }

    /// A row without a target (context for the others).
    #[must_use]
    pub fn info(scenario: &str, measurement: &str, value: String) -> Self {
        Self {
            scenario: scenario.to_owned(),
            measurement: measurement.to_owned(),
            value,
            target: String::new(),
            met: None,
        }
    }
}

/// The markdown table of `rows` (`| scenario | measurement | value | target | met |`).
#[must_use]
pub fn render_fault_table(rows: &[FaultRow]) -> String {
    let mut out =
        String::from("| scenario | measurement | value | target | met |\n|---|---|---:|---|---|\n");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.scenario, r.measurement, r.value, r.target, met
        );
    }
    out
}

/// The `phone_number_id` of forged account `i` (15 digits, like Meta's).
#[must_use]
pub fn forged_account(i: usize) -> String {
    format!("9{:014}", i)
}

/// A Meta WhatsApp delivery (`object: whatsapp_business_account`) with one entry whose changes
/// name `accounts` (one short text message each, as small as a change gets), followed by as many forged accounts as fit while the
/// body stays under `cap` bytes (all of them when `limit` is `None`, else at most `limit` in
/// total). Returns the body and how many distinct accounts it names.
#[must_use]
pub fn meta_delivery(accounts: &[String], limit: Option<usize>, cap: usize) -> (String, usize) {
    let change = |account: &str, i: usize| -> String {
        format!(
            r#"{{"field":"messages","value":{{"metadata":{{"phone_number_id":"{account}"}},"messages":[{{"from":"1","id":"w{i}","timestamp":"1","type":"text","text":{{"body":"o"}}}}]}}}}"#
        )
    };
    let head = r#"{"object":"whatsapp_business_account","entry":[{"id":"0","changes":["#;
    let tail = "]}]}";
    let mut body = String::from(head);
    let mut named = 0;
    let limit = limit.unwrap_or(usize::MAX);
    let mut next_forged = 0;
    while named < limit {
        let account = match accounts.get(named) {
            Some(a) => a.clone(),
            None => {
                next_forged += 1;
                forged_account(next_forged)
            }
        };
        let piece = change(&account, named);
        let sep = usize::from(named > 0);
        if body.len() + sep + piece.len() + tail.len() > cap {
            break;
        }
        if named > 0 {
            body.push(',');
        }
        body.push_str(&piece);
        named += 1;
    }
    body.push_str(tail);
    (body, named)
}

/// The parts of an HTTP/1.1 request head that the fakes need: the request line and the value of
/// `Content-Length` and `Idempotency-Key` (case-insensitive names). `None` when the head is not
/// complete (no blank line yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// Bytes of the head, including the blank line.
    pub len: usize,
    /// `Content-Length` (0 when absent).
    pub content_length: usize,
    /// `Idempotency-Key`, when sent.
    pub idempotency_key: Option<String>,
}

/// Parses the head at the start of `buf` (see [`RequestHead`]).
#[must_use]
pub fn parse_head(buf: &[u8]) -> Option<RequestHead> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&buf[..end]);
    let mut head = RequestHead {
        len: end,
        content_length: 0,
        idempotency_key: None,
    };
    for line in text.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            head.content_length = value.parse().unwrap_or(0);
        } else if name.eq_ignore_ascii_case("idempotency-key") {
            head.idempotency_key = Some(value.to_owned());
        }
    }
    Some(head)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_forged_delivery_names_as_many_accounts_as_fit_under_the_cap() {
        let real = vec!["pn-real-1".to_owned(), "pn-real-2".to_owned()];
        let (body, named) = meta_delivery(&real, None, BODY_CAP);
        assert!(body.len() <= BODY_CAP, "{}", body.len());
        assert!(named > 1_500, "{named}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let changes = v["entry"][0]["changes"].as_array().unwrap();
        assert_eq!(changes.len(), named);
        assert_eq!(
            changes[0]["value"]["metadata"]["phone_number_id"],
            "pn-real-1"
        );
        let mut ids: Vec<_> = changes
            .iter()
            .map(|c| c["value"]["metadata"]["phone_number_id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), named, "every account is distinct");
        // One more change would not fit.
        let (bigger, _) = meta_delivery(&real, Some(named + 1), BODY_CAP + 400);
        assert!(bigger.len() > BODY_CAP);
        let (small, n) = meta_delivery(&real, Some(50), BODY_CAP);
        assert_eq!(n, 50);
        assert!(serde_json::from_str::<serde_json::Value>(&small).is_ok());
    }

    #[test]
    fn request_heads_are_parsed_only_when_complete() {
        let req = b"POST /n8n HTTP/1.1\r\nhost: x\r\ncontent-length: 12\r\nIdempotency-Key: abc\r\n\r\n{\"a\":1}";
        let head = parse_head(req).unwrap();
        assert_eq!(head.content_length, 12);
        assert_eq!(head.idempotency_key.as_deref(), Some("abc"));
        assert_eq!(&req[head.len..], b"{\"a\":1}");
        assert_eq!(parse_head(b"POST / HTTP/1.1\r\nhost: x\r\n"), None);
        let bare = parse_head(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        assert_eq!((bare.content_length, bare.idempotency_key), (0, None));
    }

    #[test]
    fn the_table_marks_misses_and_leaves_informative_rows_blank() {
        let rows = [
            FaultRow::new("sign-in", "peak RSS", "97.0 MB".into(), "≤ 150 MB", true),
            FaultRow::new("sign-in", "latency", "2.5 s".into(), "≤ 2 s", false),
            FaultRow::info("sign-in", "answers", "503: 1982".into()),
        ];
        let t = render_fault_table(&rows);
        assert!(
            t.contains("| sign-in | peak RSS | 97.0 MB | ≤ 150 MB | yes |"),
            "{t}"
        );
        assert!(t.contains("| sign-in | latency | 2.5 s | ≤ 2 s | **no** |"));
        assert!(t.contains("| sign-in | answers | 503: 1982 |  |  |"));
    }
}
