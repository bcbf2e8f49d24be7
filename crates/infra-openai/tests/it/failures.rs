//! Retries and failures against the fake server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::{Duration, Instant};

use common::{
    FakeOpenAi, Reply, analysis_json, completion, completion_with, input, rate_limited,
    server_error,
};
use domain::egress::{Cidr, EgressPolicy};
use domain::ports::analyzer::ContextAnalyzer;
use domain::snapshots::AnalyzerError;
use infra_openai::{OpenAiAnalyzer, OpenAiConfig};
use serde_json::json;

fn ok() -> Reply {
    Reply::ok(completion(&analysis_json(&[]).to_string()))
}

fn five_hundred() -> Reply {
    Reply::status(500, server_error())
}

#[tokio::test]
async fn no_key_at_all_is_unavailable_without_a_request() {
    let fake = FakeOpenAi::start(vec![ok()]).await;
    let config = OpenAiConfig::new()
        .with_base_url(fake.base_url.clone())
        .with_egress(EgressPolicy::development());
    let analyzer = OpenAiAnalyzer::new(config).unwrap();

    let err = analyzer.analyze(input(), None).await.unwrap_err();
    assert!(
        matches!(err, AnalyzerError::Unavailable(ref m) if m == "no api key"),
        "{err:?}"
    );
    let err = analyzer
        .analyze(input(), Some("  ".to_owned()))
        .await
        .unwrap_err();
    assert!(matches!(err, AnalyzerError::Unavailable(_)), "{err:?}");
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried() {
    let limited = Reply::status(429, rate_limited())
        .header("retry-after", "0")
        .header("x-ratelimit-remaining-requests", "0");
    let fake = FakeOpenAi::start(vec![limited, ok()]).await;

    let report = fake.analyzer().analyze(input(), None).await.unwrap();

    assert_eq!(report.analyzer, "openai");
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn a_long_retry_after_is_capped() {
    let limited = Reply::status(429, rate_limited()).header("retry-after", "3600");
    let fake = FakeOpenAi::start(vec![limited, ok()]).await;
    let started = Instant::now();

    fake.analyzer().analyze(input(), None).await.unwrap();

    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn three_500s_then_success_succeeds() {
    let fake = FakeOpenAi::start(vec![five_hundred(), five_hundred(), five_hundred(), ok()]).await;

    fake.analyzer().analyze(input(), None).await.unwrap();

    assert_eq!(fake.seen().len(), 4);
}

#[tokio::test]
async fn four_500s_are_unavailable_after_three_retries() {
    let replies = vec![
        five_hundred(),
        five_hundred(),
        five_hundred(),
        five_hundred(),
        ok(),
    ];
    let fake = FakeOpenAi::start(replies).await;

    let err = fake.analyzer().analyze(input(), None).await.unwrap_err();

    assert!(
        matches!(err, AnalyzerError::Unavailable(ref m) if m.contains("500")),
        "{err:?}"
    );
    assert_eq!(fake.seen().len(), 4);
}

#[tokio::test]
async fn a_401_is_not_retried_and_its_message_is_not_kept() {
    let body = json!({"error": {
        "message": "Incorrect API key provided: sk-test-***ault.",
        "type": "invalid_request_error", "param": null, "code": "invalid_api_key"
    }});
    let fake = FakeOpenAi::start(vec![Reply::status(401, body), ok()]).await;

    let err = fake.analyzer().analyze(input(), None).await.unwrap_err();

    let AnalyzerError::Unavailable(why) = err else {
        panic!("{err:?}")
    };
    assert!(why.contains("401") && !why.contains("sk-"), "{why}");
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn malformed_json_content_is_invalid_output() {
    let fake = FakeOpenAi::start(vec![Reply::ok(completion("{\"summary\": \"Paciente com"))]).await;

    let err = fake.analyzer().analyze(input(), None).await.unwrap_err();

    assert!(matches!(err, AnalyzerError::InvalidOutput(_)), "{err:?}");
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn content_that_breaks_the_schema_is_invalid_output() {
    let mut bad_enum = analysis_json(&[]);
    bad_enum["flags"]["no_show_risk"] = json!("very_high");
    let mut extra = analysis_json(&[]);
    extra["confidence"] = json!(0.9);
    let mut missing = analysis_json(&[]);
    missing["flags"].as_object_mut().unwrap().remove("topics");
    let mut long = analysis_json(&[]);
    long["summary"] = json!("a".repeat(601));
    let mut empty = analysis_json(&[]);
    empty["summary"] = json!("  ");
    for content in [bad_enum, extra, missing, long, empty] {
        let fake = FakeOpenAi::start(vec![Reply::ok(completion(&content.to_string()))]).await;
        let err = fake.analyzer().analyze(input(), None).await.unwrap_err();
        assert!(
            matches!(err, AnalyzerError::InvalidOutput(_)),
            "{content}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_summary_of_exactly_600_characters_is_accepted() {
    let mut content = analysis_json(&[]);
    content["summary"] = json!("é".repeat(600));
    let fake = FakeOpenAi::start(vec![Reply::ok(completion(&content.to_string()))]).await;

    let report = fake.analyzer().analyze(input(), None).await.unwrap();

    assert_eq!(report.analysis.summary.chars().count(), 600);
}

#[tokio::test]
async fn a_refusal_is_refused() {
    let message = json!({
        "role": "assistant",
        "content": null,
        "refusal": "I'm sorry, I can't assist with that request."
    });
    let fake = FakeOpenAi::start(vec![Reply::ok(completion_with(message, "stop"))]).await;

    let err = fake.analyzer().analyze(input(), None).await.unwrap_err();

    assert!(
        matches!(err, AnalyzerError::Refused(ref m) if m.contains("can't assist")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_truncated_answer_is_invalid_output() {
    let message = json!({
        "role": "assistant",
        "content": "{\"summary\": \"Paciente com 3 consultas",
        "refusal": null
    });
    let fake = FakeOpenAi::start(vec![Reply::ok(completion_with(message, "length"))]).await;

    let err = fake.analyzer().analyze(input(), None).await.unwrap_err();

    assert!(
        matches!(err, AnalyzerError::InvalidOutput(ref m) if m.contains("length")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_chat_completion_is_invalid_output() {
    let fake = FakeOpenAi::start(vec![Reply::ok(json!({"choices": []}))]).await;

    let err = fake.analyzer().analyze(input(), None).await.unwrap_err();

    assert!(matches!(err, AnalyzerError::InvalidOutput(_)), "{err:?}");
}

#[tokio::test]
async fn a_server_slower_than_the_timeout_is_unavailable() {
    let fake = FakeOpenAi::start(vec![ok().delayed(Duration::from_secs(5))]).await;
    let config = fake.config().with_timeout(Duration::from_millis(300));
    let analyzer = OpenAiAnalyzer::new(config).unwrap();
    let started = Instant::now();

    let err = analyzer.analyze(input(), None).await.unwrap_err();

    assert!(
        matches!(err, AnalyzerError::Unavailable(ref m) if m.contains("timed out")),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let config = OpenAiConfig::new()
        .with_base_url(format!("http://127.0.0.1:{port}/v1"))
        .with_api_key("sk-x".to_owned().into())
        .with_egress(EgressPolicy::development());
    let err = OpenAiAnalyzer::new(config)
        .unwrap()
        .analyze(input(), None)
        .await
        .unwrap_err();

    assert!(matches!(err, AnalyzerError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn production_refuses_a_model_server_on_loopback_by_name_or_literal_and_sends_nothing() {
    let fake = FakeOpenAi::start(vec![ok()]).await;
    let port = fake
        .base_url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    for base in [
        fake.base_url.clone(),
        format!("http://localhost:{port}/v1"),
        format!("http://0x7f000001:{port}/v1"),
    ] {
        let config = fake
            .config()
            .with_base_url(base.clone())
            .with_egress(EgressPolicy::production(Vec::new()));
        let err = OpenAiAnalyzer::new(config)
            .unwrap()
            .analyze(input(), None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AnalyzerError::Unavailable(ref m) if m.contains("refused") && m.contains("loopback")),
            "{base}: {err:?}"
        );
    }
    assert!(fake.seen().is_empty(), "nothing reached the server");
    let allowed = fake.config().with_egress(EgressPolicy::production(vec![
        Cidr::parse("127.0.0.1").unwrap(),
    ]));
    assert!(
        OpenAiAnalyzer::new(allowed)
            .unwrap()
            .analyze(input(), None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn redirects_are_not_followed_and_oversized_answers_are_not_read() {
    let target = FakeOpenAi::start(vec![ok()]).await;
    let redirecting = FakeOpenAi::start(vec![
        Reply::status(307, json!({}))
            .header("location", &format!("{}/chat/completions", target.base_url)),
    ])
    .await;
    let err = redirecting
        .analyzer()
        .analyze(input(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AnalyzerError::Unavailable(ref m) if m.contains("redirect")),
        "{err:?}"
    );
    assert!(target.seen().is_empty(), "the redirect was not followed");

    let huge = "x".repeat(2 * 1024 * 1024);
    let big = FakeOpenAi::start(vec![Reply::ok(completion(&huge))]).await;
    let err = big.analyzer().analyze(input(), None).await.unwrap_err();
    assert!(
        matches!(err, AnalyzerError::InvalidOutput(ref m) if m.contains("larger than")),
        "{err:?}"
    );
}
