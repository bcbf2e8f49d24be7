//! `GET /metrics`: never public (404 unconfigured, 401 without the bearer token), the
//! OpenMetrics exposition with the token, route patterns (never raw paths) in the latency
//! histogram, webhook deliveries by provider and outcome, and the separate listener.

use crate::support;

use actix_web::http::StatusCode;
use actix_web::test;
use api_http::AppState;
use api_http::metrics::{METRICS_CONTENT_TYPE, MetricsAccess};
use secrecy::SecretString;
use support::{header, read_problem};

const TOKEN: &str = "metrics-token-for-tests-0123456789";

fn state(access: MetricsAccess) -> AppState {
    let mut state = support::state();
    state.metrics_access = access;
    state
}

fn bearer() -> MetricsAccess {
    MetricsAccess::Bearer(SecretString::from(TOKEN))
}

fn scrape_request(authorization: Option<&str>) -> actix_web::test::TestRequest {
    let req = test::TestRequest::get().uri("/metrics");
    match authorization {
        Some(value) => req.insert_header(("authorization", value)),
        None => req,
    }
}

#[actix_web::test]
async fn without_a_token_or_a_separate_listener_metrics_do_not_exist() {
    let app = test::init_service(api_http::app(state(MetricsAccess::Off))).await;
    for auth in [None, Some("Bearer anything")] {
        let res = test::call_service(&app, scrape_request(auth).to_request()).await;
        read_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[actix_web::test]
async fn the_token_is_required_and_checked() {
    let app = test::init_service(api_http::app(state(bearer()))).await;
    let wrong = format!("Bearer {TOKEN}x");
    let short = format!("Bearer {}", &TOKEN[..10]);
    let basic = format!("Basic {TOKEN}");
    for auth in [
        None,
        Some("Bearer"),
        Some("Bearer "),
        Some(wrong.as_str()),
        Some(short.as_str()),
        Some(basic.as_str()),
        Some(TOKEN),
    ] {
        let res = test::call_service(&app, scrape_request(auth).to_request()).await;
        assert_eq!(
            header(&res, "www-authenticate"),
            "Bearer realm=\"metrics\"",
            "{auth:?}"
        );
        let body = read_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
        assert!(!body.to_string().contains(TOKEN));
    }

    let ok = format!("Bearer {TOKEN}");
    let res = test::call_service(&app, scrape_request(Some(&ok)).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), METRICS_CONTENT_TYPE);
    assert_eq!(header(&res, "cache-control"), "no-store");
    let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    assert!(
        body.contains("# TYPE atende_http_request_duration_seconds histogram"),
        "{body}"
    );
    assert!(
        body.contains("# TYPE atende_outbox_dispatch_failures counter\natende_outbox_dispatch_failures_total 0\n"),
        "{body}"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
    // The scheme is case-insensitive, as RFC 9110 says.
    let lower = format!("bearer {TOKEN}");
    let res = test::call_service(&app, scrape_request(Some(&lower)).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// Scrapes `app` with the token and returns the body.
macro_rules! scrape_text {
    ($app:expr) => {{
        let ok = format!("Bearer {TOKEN}");
        let res = test::call_service($app, scrape_request(Some(&ok)).to_request()).await;
        assert_eq!(res.status(), StatusCode::OK);
        String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
    }};
}

#[actix_web::test]
async fn the_latency_histogram_is_labelled_by_route_pattern_never_by_raw_path() {
    let app = test::init_service(api_http::app(state(bearer()))).await;
    let id = uuid::Uuid::now_v7();
    for _ in 0..2 {
        let req = test::TestRequest::get()
            .uri(&format!("/api/clients/{id}"))
            .to_request();
        let res = test::call_service(&app, req).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let req = test::TestRequest::get()
        .uri(&format!("/no/such/{id}"))
        .to_request();
    assert_eq!(
        test::call_service(&app, req).await.status(),
        StatusCode::NOT_FOUND
    );
    let res = test::call_service(&app, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);

    let text = scrape_text!(&app);
    assert!(
        text.contains(
            r#"atende_http_request_duration_seconds_count{method="GET",route="/api/clients/{id}",status="401"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"atende_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="unmatched",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"atende_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz",status="200"} 1"#),
        "{text}"
    );
    assert!(
        !text.contains(&id.to_string()),
        "a raw path leaked into a label"
    );
}

#[actix_web::test]
async fn webhook_deliveries_are_counted_by_provider_and_outcome() {
    let app = test::init_service(api_http::app(state(bearer()))).await;
    // Over 256 KiB: refused before any signature check (no port is called).
    let big = vec![b' '; 300 * 1024];
    for (path, meta) in [
        ("/webhooks/whatsapp", false),
        ("/webhooks/whatsapp", true),
        ("/webhooks/instagram", true),
        ("/webhooks/n8n/status", false),
    ] {
        let mut req = test::TestRequest::post()
            .uri(path)
            .insert_header(("content-type", "application/json"))
            .set_payload(big.clone());
        if meta {
            req = req.insert_header(("x-hub-signature-256", "sha256=00"));
        }
        let res = test::call_service(&app, req.to_request()).await;
        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
    }
    let text = scrape_text!(&app);
    for line in [
        r#"atende_webhook_deliveries_total{provider="relay",outcome="invalid"} 1"#,
        r#"atende_webhook_deliveries_total{provider="whatsapp",outcome="invalid"} 1"#,
        r#"atende_webhook_deliveries_total{provider="instagram",outcome="invalid"} 1"#,
        r#"atende_webhook_deliveries_total{provider="n8n_status",outcome="invalid"} 1"#,
    ] {
        assert!(text.contains(line), "missing {line} in\n{text}");
    }
    // Meta's GET handshake is not a delivery, and neither is anything else.
    assert_eq!(text.matches("atende_webhook_deliveries_total{").count(), 4);
}

#[actix_web::test]
async fn with_a_separate_listener_the_main_app_has_no_metrics_and_the_listener_serves_them() {
    let main_state = state(MetricsAccess::SeparateListener);
    let metrics = main_state.metrics.clone();
    let main = test::init_service(api_http::app(main_state)).await;
    let ok = format!("Bearer {TOKEN}");
    let res = test::call_service(&main, scrape_request(Some(&ok)).to_request()).await;
    read_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res =
        test::call_service(&main, test::TestRequest::get().uri("/healthz").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);

    // Without a token the listener is open (it is meant for a private address)…
    let open = test::init_service(api_http::metrics::listener_app(metrics.clone(), None)).await;
    let res = test::call_service(&open, scrape_request(None).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(header(&res, "content-type"), METRICS_CONTENT_TYPE);
    let text = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    assert!(
        text.contains(r#"route="/healthz",status="200"} 1"#),
        "the listener shows the main app's traffic:\n{text}"
    );
    let res =
        test::call_service(&open, test::TestRequest::get().uri("/healthz").to_request()).await;
    read_problem(res, StatusCode::NOT_FOUND, "not_found").await;

    // …and with one it is required there too.
    let guarded = test::init_service(api_http::metrics::listener_app(
        metrics,
        Some(SecretString::from(TOKEN)),
    ))
    .await;
    let res = test::call_service(&guarded, scrape_request(None).to_request()).await;
    read_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let res = test::call_service(&guarded, scrape_request(Some(&ok)).to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
}
