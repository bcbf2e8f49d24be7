//! The n8n adapter against a local fake n8n.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::{Duration, Instant};

use common::{FakeN8n, Reply, SECRET, message};
use domain::egress::{Cidr, EgressPolicy};
use domain::ports::dispatcher::{DispatchResult, DispatchTarget, OutboundDispatcher};
use infra_n8n::{DEFAULT_TIMEOUT, N8nDispatcher};
use serde_json::json;

fn dispatcher() -> N8nDispatcher {
    N8nDispatcher::with_egress(DEFAULT_TIMEOUT, EgressPolicy::development()).unwrap()
}

/// Dispatches the standard message to a fake answering `reply`.
async fn outcome(reply: Reply) -> (DispatchResult, FakeN8n) {
    let fake = FakeN8n::start(reply).await;
    let result = dispatcher().dispatch(fake.target(), message()).await;
    (result, fake)
}

fn retryable(result: &DispatchResult) -> (&str, Option<u64>) {
    match result {
        DispatchResult::Retryable {
            error,
            retry_after_secs,
        } => (error.as_str(), *retry_after_secs),
        other => panic!("expected Retryable, got {other:?}"),
    }
}

fn rejected(result: &DispatchResult) -> (u16, &str) {
    match result {
        DispatchResult::Rejected { status, error } => (*status, error.as_str()),
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn happy_path_is_signed_shaped_and_sent_with_the_provider_id() {
    let fake = FakeN8n::start(Reply::json(200, &json!({"message_id": "wamid.X"}))).await;
    let msg = message();
    let result = dispatcher().dispatch(fake.target(), msg.clone()).await;
    assert_eq!(
        result,
        DispatchResult::Sent {
            provider_message_id: Some("wamid.X".to_owned())
        }
    );

    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/webhook/atende-out");
    assert!(
        req.signature_ok,
        "signature {:?} did not verify",
        req.signature
    );
    assert!(req.signature.as_deref().unwrap().starts_with("t="));
    assert_eq!(req.content_type.as_deref(), Some("application/json"));
    assert_eq!(req.idempotency_key, Some(msg.interaction_id.to_string()));
    let agent = req.user_agent.as_deref().unwrap();
    assert!(agent.starts_with("atende/"), "{agent}");
    assert_eq!(
        req.json(),
        json!({
            "interaction_id": msg.interaction_id.to_string(),
            "company_id": msg.company_id.to_string(),
            "conversation_id": msg.conversation_id.to_string(),
            "channel": "whatsapp",
            "account_id": "109876543210",
            "to": {"external_id": "5511987654321", "phone": "+5511987654321", "username": "ana.souza"},
            "message": {"type": "text", "text": msg.text},
            "callback_url": "https://atende.test/webhooks/n8n/status"
        })
    );
}

#[tokio::test]
async fn a_wrong_secret_does_not_verify_on_the_n8n_side() {
    let fake = FakeN8n::start(Reply::empty(200)).await;
    let target = DispatchTarget {
        secret: format!("{SECRET}-other"),
        ..fake.target()
    };
    dispatcher().dispatch(target, message()).await;
    assert!(!fake.seen()[0].signature_ok);
}

#[tokio::test]
async fn absent_optional_fields_are_omitted() {
    let fake = FakeN8n::start(Reply::empty(200)).await;
    let mut msg = message();
    msg.to.phone = None;
    msg.to.username = None;
    msg.account_id = None;
    dispatcher().dispatch(fake.target(), msg).await;
    let body = fake.seen()[0].json();
    assert_eq!(body["to"], json!({"external_id": "5511987654321"}));
    assert_eq!(body["account_id"], serde_json::Value::Null);
}

#[tokio::test]
async fn ok_without_json_is_sent_without_an_id() {
    for reply in [
        Reply::empty(200),
        Reply::Status(200, Vec::new(), b"Workflow was started".to_vec()),
        Reply::json(202, &json!({"ok": true})),
        Reply::empty(204),
    ] {
        let (result, _fake) = outcome(reply).await;
        assert_eq!(
            result,
            DispatchResult::Sent {
                provider_message_id: None
            }
        );
    }
}

#[tokio::test]
async fn bad_request_is_rejected_with_n8n_message() {
    let (result, _fake) = outcome(Reply::json(400, &json!({"message": "invalid recipient"}))).await;
    assert_eq!(
        rejected(&result),
        (400, "n8n answered 400: invalid recipient")
    );
}

#[tokio::test]
async fn unprocessable_is_rejected_and_long_messages_are_one_short_line() {
    let (result, _fake) = outcome(Reply::empty(422)).await;
    assert_eq!(rejected(&result), (422, "n8n answered 422"));

    let noisy = format!("line one\nline two\t{}", "x".repeat(500));
    let (result, _fake) = outcome(Reply::json(404, &json!({"error": noisy}))).await;
    let (status, error) = rejected(&result);
    assert_eq!(status, 404);
    assert!(
        error.starts_with("n8n answered 404: line one line two x"),
        "{error}"
    );
    assert!(!error.contains('\n'));
    assert!(error.chars().count() <= "n8n answered 404: ".len() + 200);
}

#[tokio::test]
async fn server_errors_and_request_timeout_are_retryable() {
    for status in [500, 502, 503, 408] {
        let (result, _fake) = outcome(Reply::empty(status)).await;
        assert_eq!(
            retryable(&result),
            (format!("n8n answered {status}").as_str(), None)
        );
    }
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    let reply = Reply::Status(429, vec![("retry-after", "7".to_owned())], Vec::new());
    let (result, _fake) = outcome(reply).await;
    assert_eq!(retryable(&result), ("n8n answered 429", Some(7)));

    let reply = Reply::Status(
        503,
        vec![("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".to_owned())],
        Vec::new(),
    );
    let (result, _fake) = outcome(reply).await;
    assert_eq!(retryable(&result), ("n8n answered 503", None));
}

#[tokio::test]
async fn a_slow_n8n_times_out_and_is_retryable() {
    let fake = FakeN8n::start(Reply::Sleep(Duration::from_secs(3))).await;
    let short = N8nDispatcher::with_egress(Duration::from_millis(300), EgressPolicy::development())
        .unwrap();
    let started = Instant::now();
    let result = short.dispatch(fake.target(), message()).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(retryable(&result), ("timed out after 300ms", None));
}

#[tokio::test]
async fn a_closed_port_is_a_retryable_connection_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let target = DispatchTarget {
        url: format!("http://127.0.0.1:{port}/webhook/atende-out"),
        secret: SECRET.to_owned(),
    };
    let result = dispatcher().dispatch(target, message()).await;
    assert_eq!(retryable(&result), ("connection refused", None));
}

#[tokio::test]
async fn redirects_are_not_followed_and_rejected() {
    let fake = FakeN8n::start(Reply::empty(200)).await;
    let location = format!("{}/elsewhere", fake.base);
    let redirecting =
        FakeN8n::start(Reply::Status(302, vec![("location", location)], Vec::new())).await;
    let result = dispatcher().dispatch(redirecting.target(), message()).await;
    let (status, error) = rejected(&result);
    assert_eq!(status, 302);
    assert!(error.contains("redirect"), "{error}");
    assert_eq!(redirecting.seen().len(), 1);
    assert!(fake.seen().is_empty(), "the redirect was followed");
}

#[tokio::test]
async fn an_invalid_url_is_rejected_without_a_status() {
    let target = DispatchTarget {
        url: "not a url".to_owned(),
        secret: SECRET.to_owned(),
    };
    let result = dispatcher().dispatch(target, message()).await;
    assert_eq!(rejected(&result).0, 0);
}

#[tokio::test]
async fn the_same_message_twice_carries_the_same_idempotency_key() {
    let fake = FakeN8n::start(Reply::empty(503)).await;
    let msg = message();
    let client = dispatcher();
    client.dispatch(fake.target(), msg.clone()).await;
    client.dispatch(fake.target(), msg.clone()).await;
    let seen = fake.seen();
    assert_eq!(seen.len(), 2);
    let expected = Some(msg.interaction_id.to_string());
    assert_eq!(seen[0].idempotency_key, expected);
    assert_eq!(seen[1].idempotency_key, expected);
    assert_eq!(seen[0].body, seen[1].body);
    assert!(seen.iter().all(|s| s.signature_ok));
}

#[tokio::test]
async fn errors_never_contain_the_secret_or_the_text() {
    let msg = message();
    for reply in [
        Reply::json(400, &json!({"message": "nope"})),
        Reply::empty(503),
        Reply::Status(
            302,
            vec![("location", "http://127.0.0.1:1/".to_owned())],
            Vec::new(),
        ),
    ] {
        let fake = FakeN8n::start(reply).await;
        let result = dispatcher().dispatch(fake.target(), msg.clone()).await;
        let printed = format!("{result:?}");
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(!printed.contains(&msg.text), "{printed}");
        assert!(!printed.contains("127.0.0.1"), "{printed}");
    }
}

#[tokio::test]
async fn production_refuses_a_relay_on_loopback_by_name_or_literal_and_sends_nothing() {
    let fake = FakeN8n::start(Reply::empty(200)).await;
    let strict = N8nDispatcher::new(DEFAULT_TIMEOUT).unwrap();
    let port = fake.base.rsplit(':').next().unwrap().to_owned();
    for url in [
        fake.url(),
        format!("http://localhost:{port}/webhook/atende-out"),
        format!("http://[::ffff:127.0.0.1]:{port}/webhook/atende-out"),
    ] {
        let target = DispatchTarget {
            url: url.clone(),
            secret: SECRET.to_owned(),
        };
        let result = strict.dispatch(target, message()).await;
        let (status, error) = rejected(&result);
        assert_eq!(status, 0, "{url}");
        assert!(
            error.contains("refused") && error.contains("loopback"),
            "{error}"
        );
        assert!(
            !error.contains("127.0.0.1"),
            "the address is not echoed: {error}"
        );
    }
    assert!(fake.seen().is_empty(), "nothing reached the relay");
    // The operator may allow the block (a self-hosted n8n on a private network).
    let allowing = N8nDispatcher::with_egress(
        DEFAULT_TIMEOUT,
        EgressPolicy::production(vec![Cidr::parse("127.0.0.0/8").unwrap()]),
    )
    .unwrap();
    let result = allowing.dispatch(fake.target(), message()).await;
    assert!(matches!(result, DispatchResult::Sent { .. }), "{result:?}");
}
