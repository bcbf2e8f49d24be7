//! `GET /docs`: Swagger UI served from assets compiled into the binary (no CDN, works offline).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use support::{header, read_problem};

#[actix_web::test]
async fn docs_redirects_to_the_page_with_a_trailing_slash() {
    let app = test::init_service(api_http::app(support::state())).await;
    let res = test::call_service(&app, TestRequest::get().uri("/docs").to_request()).await;
    assert_eq!(res.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header(&res, "location"), "/docs/");
}

#[actix_web::test]
async fn the_page_is_html_referencing_bundled_assets_and_keeps_the_security_headers() {
    let app = test::init_service(api_http::app(support::state())).await;
    let res = test::call_service(&app, TestRequest::get().uri("/docs/").to_request()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").starts_with("text/html"));
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "referrer-policy"), "no-referrer");
    assert_eq!(header(&res, "cache-control"), "no-store");
    assert!(!header(&res, "x-request-id").is_empty());
    let html = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    for asset in [
        "./swagger-ui-bundle.js",
        "./swagger-initializer.js",
        "./swagger-ui.css",
    ] {
        assert!(html.contains(asset), "{asset} not referenced:\n{html}");
    }
    // Every script and stylesheet is local: nothing is fetched from another host.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
}

#[actix_web::test]
async fn the_bundled_assets_are_served_locally() {
    let app = test::init_service(api_http::app(support::state())).await;
    let res = test::call_service(
        &app,
        TestRequest::get()
            .uri("/docs/swagger-ui-bundle.js")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header(&res, "content-type").contains("javascript"));
    let bundle = test::read_body(res).await;
    assert!(bundle.len() > 100_000, "bundle is {} bytes", bundle.len());
    assert!(String::from_utf8_lossy(&bundle).contains("SwaggerUIBundle"));

    let res = test::call_service(
        &app,
        TestRequest::get()
            .uri("/docs/swagger-initializer.js")
            .to_request(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let init = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
    assert!(init.contains("\"/api/openapi.json\""), "{init}");
}

#[actix_web::test]
async fn a_file_outside_the_bundle_is_a_404_problem() {
    let app = test::init_service(api_http::app(support::state())).await;
    for uri in ["/docs/nope.js", "/docs/../Cargo.toml"] {
        let res = test::call_service(&app, TestRequest::get().uri(uri).to_request()).await;
        read_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
}
