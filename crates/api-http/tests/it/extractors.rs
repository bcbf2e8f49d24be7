//! Extractor rejections are problem+json with the documented statuses and codes.

use crate::support;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use serde_json::Value;
use support::read_problem;

fn post_thing(content_type: &str, body: impl Into<Vec<u8>>) -> TestRequest {
    let body: Vec<u8> = body.into();
    TestRequest::post()
        .uri("/test/things")
        .insert_header(("content-type", content_type))
        .set_payload(body)
}

#[actix_web::test]
async fn valid_body_is_accepted() {
    let app = test_app!();
    let req = post_thing("application/json", r#"{"name":"Ana","age":30}"#).to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn plus_json_media_types_are_accepted() {
    let app = test_app!();
    let req = post_thing("application/merge-patch+json", r#"{"name":"Ana","age":30}"#);
    let res = test::call_service(&app, req.to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn body_that_is_not_json_is_400() {
    let app = test_app!();
    for body in ["{\"name\": ", "name=Ana", ""] {
        let res = test::call_service(&app, post_thing("application/json", body).to_request()).await;
        let problem = read_problem(res, StatusCode::BAD_REQUEST, "malformed_json").await;
        assert!(problem["detail"].is_string());
    }
}

#[actix_web::test]
async fn unknown_field_is_422_naming_the_field() {
    let app = test_app!();
    let req = post_thing("application/json", r#"{"name":"Ana","age":30,"nmae":"x"}"#);
    let res = test::call_service(&app, req.to_request()).await;
    let body = read_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "nmae");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown field")
    );
}

#[actix_web::test]
async fn missing_field_is_422_naming_the_field() {
    let app = test_app!();
    let req = post_thing("application/json", r#"{"name":"Ana"}"#);
    let res = test::call_service(&app, req.to_request()).await;
    let body = read_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "age");
}

#[actix_web::test]
async fn wrong_type_is_422_without_echoing_the_value() {
    let app = test_app!();
    let req = post_thing("application/json", r#"{"name":"Ana","age":"secret-value"}"#);
    let res = test::call_service(&app, req.to_request()).await;
    let body = read_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["message"], "invalid type, expected u32");
    assert!(!body.to_string().contains("secret-value"));
}

#[actix_web::test]
async fn wrong_or_missing_content_type_is_415() {
    let app = test_app!();
    let body = r#"{"name":"Ana","age":30}"#;
    let res = test::call_service(&app, post_thing("text/plain", body).to_request()).await;
    read_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    let req = TestRequest::post().uri("/test/things").set_payload(body);
    let res = test::call_service(&app, req.to_request()).await;
    read_problem(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
}

#[actix_web::test]
async fn oversize_body_is_413() {
    let app = test_app!();
    let name = "x".repeat(api_http::extractors::JSON_LIMIT);
    let body = format!(r#"{{"name":"{name}","age":1}}"#);
    let res = test::call_service(&app, post_thing("application/json", body).to_request()).await;
    read_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[actix_web::test]
async fn garde_errors_are_422_with_field_paths() {
    let app = test_app!();
    let req = post_thing(
        "application/json",
        r#"{"name":"","age":200,"tags":["ok","","fine",""]}"#,
    );
    let res = test::call_service(&app, req.to_request()).await;
    let body = read_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let mut fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["age", "name", "tags[1]", "tags[3]"]);
}

#[actix_web::test]
async fn bad_uuid_in_path_is_404() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/test/things/not-a-uuid")
        .to_request();
    let res = test::call_service(&app, req).await;
    let body = read_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(body["title"], "Not found");
    // The same generic detail as any 404: nothing about the parse, the value is not echoed.
    assert_eq!(body["detail"], "There is no such resource in this clinic.");
    assert!(!body.to_string().contains("not-a-uuid"));

    let id = uuid::Uuid::now_v7();
    let req = TestRequest::get()
        .uri(&format!("/test/things/{id}"))
        .to_request();
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[actix_web::test]
async fn bad_query_is_422() {
    let app = test_app!();
    let req = TestRequest::get()
        .uri("/test/things?limit=ten")
        .to_request();
    let res = test::call_service(&app, req).await;
    let body = read_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"].as_array().unwrap().len(), 1);

    let req = TestRequest::get().uri("/test/things?limti=10").to_request();
    let res = test::call_service(&app, req).await;
    let body = read_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "limti");

    let req = TestRequest::get().uri("/test/things?limit=10").to_request();
    let res = test::call_service(&app, req).await;
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body["limit"], 10);
}

#[actix_web::test]
async fn a_nul_character_anywhere_in_a_json_string_is_422_naming_the_field() {
    let app = test_app!();
    for (body, field) in [
        (r#"{"name":"An\u0000a","age":30}"#, "name"),
        (
            r#"{"name":"Ana","age":30,"tags":["ok","\u0000"]}"#,
            "tags[1]",
        ),
        (r#"{"name":"Ana","age":30,"ta\u0000gs":[]}"#, "tags"),
    ] {
        let res = test::call_service(&app, post_thing("application/json", body).to_request()).await;
        let problem =
            read_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
        assert_eq!(
            problem["errors"][0]["message"],
            api_http::extractors::nul::NUL_MESSAGE
        );
    }
    // An escaped backslash before "u0000" is not a NUL: the body reaches the handler.
    let body = r#"{"name":"C:\\u0000","age":30}"#;
    let res = test::call_service(&app, post_thing("application/json", body).to_request()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // A body over the limit is still 413 (the guard does not change the other answers).
    let name = "\\u0000".repeat(api_http::extractors::JSON_LIMIT / 6 + 1);
    let body = format!(r#"{{"name":"{name}","age":1}}"#);
    let res = test::call_service(&app, post_thing("application/json", body).to_request()).await;
    read_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}
