#![allow(clippy::unwrap_used)]

use super::*;
use base64::Engine;
use chrono::{DateTime, Utc};
use domain::ClientId;
use domain::catalog::ServiceCursor;
use domain::clients::ClientCursor;
use domain::conversations::SortCursor;
use uuid::Uuid;

const CLIENTS: List<ClientCursor> = List::new("clients");
const SERVICES: List<ServiceCursor> = List::new("services");
const INBOX: List<SortCursor> = List::new("inbox");
const THREADS: List<SortCursor> = List::new("conversations");
const USERS: List<Uuid> = List::new("users");

fn at() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(1_767_268_800_123_456).unwrap()
}

fn client_key() -> ClientCursor {
    ClientCursor {
        created_at: at(),
        id: ClientId(Uuid::now_v7()),
    }
}

#[test]
fn keys_round_trip_through_versioned_cursors() {
    let key = client_key();
    let raw = CLIENTS.cursor(&key);
    assert!(raw.starts_with("c1."), "{raw}");
    assert!(
        raw[3..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "url-safe: {raw}"
    );
    assert_eq!(CLIENTS.decode(&raw), Ok(key));

    let service = ServiceCursor {
        name: "Limpeza \"dental\" & clareamento".into(),
        id: domain::ServiceId(Uuid::now_v7()),
    };
    assert_eq!(SERVICES.decode(&SERVICES.cursor(&service)), Ok(service));
    let id = Uuid::now_v7();
    assert_eq!(USERS.decode(&USERS.encode(Some(&id)).unwrap()), Ok(id));
    assert_eq!(USERS.encode(None), None);
}

#[test]
fn a_cursor_of_another_list_is_refused_even_with_the_same_key_type() {
    let key = SortCursor {
        at: at(),
        id: Uuid::now_v7(),
    };
    let raw = INBOX.cursor(&key);
    assert_eq!(THREADS.decode(&raw), Err(InvalidCursor));
    assert_eq!(CLIENTS.decode(&raw), Err(InvalidCursor));
    assert_eq!(INBOX.decode(&raw), Ok(key));
}

#[test]
fn tampered_cursors_are_refused() {
    let raw = CLIENTS.cursor(&client_key());
    // A character changed in the middle.
    let mut bytes = raw.clone().into_bytes();
    let i = bytes.len() / 2;
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        CLIENTS.decode(&String::from_utf8(bytes).unwrap()),
        Err(InvalidCursor)
    );
    // Cut short, padded, with a trailing space, without its prefix, or with another version.
    assert_eq!(CLIENTS.decode(&raw[..raw.len() - 4]), Err(InvalidCursor));
    assert_eq!(CLIENTS.decode(&format!("{raw}==")), Err(InvalidCursor));
    assert_eq!(CLIENTS.decode(&format!("{raw} ")), Err(InvalidCursor));
    assert_eq!(CLIENTS.decode(&raw[3..]), Err(InvalidCursor));
    assert_eq!(
        CLIENTS.decode(&format!("c2.{}", &raw[3..])),
        Err(InvalidCursor)
    );
    // Well-formed JSON with a key of the wrong shape, an extra member, or a time out of range.
    let forge = |json: &str| format!("c1.{}", URL_SAFE_NO_PAD.encode(json));
    let id = Uuid::nil();
    assert_eq!(
        CLIENTS.decode(&forge(&format!(r#"{{"l":"clients","k":["x","{id}"]}}"#))),
        Err(InvalidCursor)
    );
    assert_eq!(
        CLIENTS.decode(&forge(&format!(
            r#"{{"l":"clients","k":[1,"{id}"],"x":1}}"#
        ))),
        Err(InvalidCursor)
    );
    assert_eq!(
        CLIENTS.decode(&forge(&format!(
            r#"{{"l":"clients","k":[{},"{id}"]}}"#,
            i64::MAX
        ))),
        Err(InvalidCursor)
    );
    assert!(
        CLIENTS
            .decode(&forge(&format!(r#"{{"l":"clients","k":[1,"{id}"]}}"#)))
            .is_ok()
    );
    assert_eq!(CLIENTS.decode(&"c1.A".repeat(1000)), Err(InvalidCursor));
}

#[test]
fn cursors_of_the_old_formats_are_refused() {
    let id = Uuid::now_v7();
    // A bare uuid (users, tokens, integrations).
    assert_eq!(USERS.decode(&id.to_string()), Err(InvalidCursor));
    // base64url of `<rfc3339>|<uuid>` (conversations, inbox).
    let old = URL_SAFE_NO_PAD.encode(format!("2026-01-01T12:00:00.000000Z|{id}"));
    assert_eq!(INBOX.decode(&old), Err(InvalidCursor));
    // base64url of the JSON key alone (clients, services, appointments, payments, …).
    let old = URL_SAFE_NO_PAD.encode(format!(r#"[1767268800000000,"{id}"]"#));
    assert_eq!(CLIENTS.decode(&old), Err(InvalidCursor));
}

#[test]
fn limits_and_cursors_are_checked_together() {
    let mut p = QueryParser::default();
    let page = CLIENTS.parse(&mut p, None, None);
    assert_eq!((page.limit, page.after), (50, None));
    assert!(p.finish().is_ok());

    let list = List::<Uuid>::with_bounds(
        "small",
        Bounds {
            default: 5,
            max: 10,
        },
    );
    let mut p = QueryParser::default();
    assert_eq!(list.parse(&mut p, None, None).limit, 5);
    assert_eq!(list.parse(&mut p, Some("10"), None).limit, 10);
    assert!(p.finish().is_ok());
    let mut p = QueryParser::default();
    list.parse(&mut p, Some("11"), None);
    let problem = p.finish().unwrap_err();
    assert_eq!(problem.code, "validation_failed");
    assert_eq!(problem.errors[0].message, "must be between 1 and 10");

    // A bad cursor alone is `invalid_cursor`; with other bad parameters, `validation_failed`
    // naming them all.
    let mut p = QueryParser::default();
    CLIENTS.parse(&mut p, Some("3"), Some("nope"));
    let problem = p.finish().unwrap_err();
    assert_eq!(problem.code, "invalid_cursor");
    assert_eq!(problem.status.as_u16(), 422);
    assert_eq!(problem.errors[0].field, "cursor");
    let mut p = QueryParser::default();
    CLIENTS.parse(&mut p, Some("0"), Some("nope"));
    let problem = p.finish().unwrap_err();
    assert_eq!(problem.code, "validation_failed");
    let fields: Vec<_> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["limit", "cursor"]);

    let q = PageQuery {
        limit: None,
        cursor: Some(USERS.cursor(&Uuid::nil())),
    };
    assert_eq!(q.page(&USERS).unwrap().after, Some(Uuid::nil()));
    assert_eq!(
        q.page(&List::<Uuid>::new("api_tokens")).unwrap_err().code,
        "invalid_cursor"
    );
}
