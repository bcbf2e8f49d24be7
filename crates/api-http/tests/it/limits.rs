//! The limits the OpenAPI document states for request bodies are enforced: values just over
//! them are 422 `validation_failed` naming the field, before any port is called (the ports
//! here are mocks that panic when called).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use support::signed_in::{self, ORIGIN};

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use api_http::openapi::ApiDoc;
use domain::auth::Role;
use serde_json::{Value, json};
use utoipa::OpenApi;
use uuid::Uuid;

/// A property of a component schema in the document.
fn property(schema: &str, name: &str) -> Value {
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    doc["components"]["schemas"][schema]["properties"][name].clone()
}

async fn send(method: &str, uri: &str, body: Value) -> Value {
    let app = test::init_service(api_http::app(signed_in::state(Role::Admin))).await;
    let req = TestRequest::default()
        .method(method.parse().unwrap())
        .uri(uri)
        .insert_header(("origin", ORIGIN))
        .cookie(actix_web::cookie::Cookie::new("atende_session", "good"))
        .set_json(body)
        .to_request();
    let res = test::call_service(&app, req).await;
    support::read_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn settings_fields_over_their_documented_limits_are_refused() {
    let max = |name: &str, key: &str| property("SettingsPatchDto", name)[key].as_u64().unwrap();
    let (email, phone, logo, tz, locale) = (
        max("contact_email", "maxLength") as usize,
        max("contact_phone", "maxLength") as usize,
        max("logo_url", "maxLength") as usize,
        max("timezone", "maxLength") as usize,
        max("locale", "maxLength") as usize,
    );
    assert_eq!((email, phone, logo, tz, locale), (254, 32, 2048, 64, 5));
    let problem = send(
        "PATCH",
        "/api/settings",
        json!({
            "contact_email": format!("{}@x.io", "a".repeat(email)),
            "contact_phone": "1".repeat(phone + 1),
            "logo_url": format!("https://{}", "a".repeat(logo)),
            "timezone": "A".repeat(tz + 1),
            "locale": "p".repeat(locale + 1),
        }),
    )
    .await;
    let mut got = fields(&problem);
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "contact_email",
            "contact_phone",
            "locale",
            "logo_url",
            "timezone"
        ],
        "{problem}"
    );
    let hours = max("conversation_window_hours", "maximum");
    assert_eq!(hours, 720);
    let problem = send(
        "PATCH",
        "/api/settings",
        json!({ "conversation_window_hours": hours + 1 }),
    )
    .await;
    assert_eq!(fields(&problem), ["conversation_window_hours"], "{problem}");
}

#[actix_web::test]
async fn a_service_price_over_the_documented_maximum_is_refused() {
    let max = property("CreateServiceRequest", "price_cents")["maximum"]
        .as_i64()
        .unwrap();
    assert_eq!(max, api_http::services::dto::MAX_PRICE_CENTS);
    let problem = send(
        "POST",
        "/api/services",
        json!({ "name": "Avaliação", "price_cents": max + 1, "duration_minutes": 30 }),
    )
    .await;
    assert_eq!(fields(&problem), ["price_cents"], "{problem}");
    let problem = send(
        "PATCH",
        &format!("/api/services/{}", Uuid::from_u128(1)),
        json!({ "price_cents": max + 1 }),
    )
    .await;
    assert_eq!(fields(&problem), ["price_cents"], "{problem}");
}

#[actix_web::test]
async fn a_client_tag_over_the_documented_limits_is_refused() {
    let tags = property("CreateClientRequest", "tags");
    assert_eq!(tags["maxItems"], 20, "{tags}");
    let too_many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
    let problem = send(
        "POST",
        "/api/clients",
        json!({ "name": "M", "tags": too_many }),
    )
    .await;
    assert_eq!(fields(&problem), ["tags"], "{problem}");
    let problem = send(
        "POST",
        "/api/clients",
        json!({ "name": "M", "tags": ["x".repeat(51)] }),
    )
    .await;
    assert_eq!(fields(&problem), ["tags[0]"], "{problem}");
}
