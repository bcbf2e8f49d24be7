//! `docs/openapi.json` is the committed copy of the generated document: a change to an
//! annotation or a DTO must come with the regenerated file, so reviews show the API diff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::path::PathBuf;

use actix_web::test::{self, TestRequest};
use api_http::openapi::ApiDoc;
use utoipa::OpenApi;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

fn generated() -> String {
    let mut json = ApiDoc::openapi().to_pretty_json().expect("serialisable");
    json.push('\n');
    json
}

#[test]
fn committed_document_matches_the_generated_one() {
    let path = committed_path();
    let generated = generated();
    if std::env::var_os("ATENDE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write docs/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date with the annotations.\n\
         Regenerate it with:\n\n    ATENDE_BLESS=1 cargo nextest run -p api-http --test it openapi_sync\n\n\
         and commit the result (review the diff: it is the API change)."
    );
}

#[actix_web::test]
async fn served_document_is_the_committed_one() {
    let app = test::init_service(api_http::app(support::state())).await;
    let res = test::call_service(
        &app,
        TestRequest::get().uri("/api/openapi.json").to_request(),
    )
    .await;
    let served: serde_json::Value = test::read_body_json(res).await;
    let generated: serde_json::Value = serde_json::from_str(&generated()).unwrap();
    assert_eq!(served, generated);
}
