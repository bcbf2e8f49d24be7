//! What the handlers' annotations do not say themselves, added to the OpenAPI document in one
//! place because the code that causes it is shared too:
//!
//! - [`Conventions`]: the error responses every route gets from the shared machinery (the `/api`
//!   gate, the JSON/path/query extractors, the internal-error mapping), the security requirement
//!   of every operation, the byte limits of request bodies and free-form JSON fields, and the
//!   examples of JSON bodies (from [`crate::openapi_examples`]);
//! - [`metrics`]: a documentation-only path item for `GET /metrics`, which is served by the
//!   metrics module (not routed from here).
//!
//! A handler's own response for a status (e.g. "404 No such client") always wins over the
//! shared one; the shared ones only fill gaps.

use serde_json::json;
use utoipa::Modify;
use utoipa::openapi::extensions::{Extensions, ExtensionsBuilder};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Schema};

use crate::extractors::JSON_LIMIT;

/// Media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// `x-max-body-bytes`: the largest request body accepted (413 above).
pub const MAX_BODY_EXTENSION: &str = "x-max-body-bytes";

/// `x-max-bytes`: the largest serialised size of a free-form JSON field (422 above).
pub const MAX_BYTES_EXTENSION: &str = "x-max-bytes";

/// Free-form JSON fields of request bodies and their real size limits:
/// (schema, property, limit in bytes).
pub const FREE_FORM_FIELDS: [(&str, &str, usize); 3] = [
    (
        "CreateIntegrationRequest",
        "config",
        app::integrations::validate::MAX_CONFIG_BYTES,
    ),
    (
        "UpdateIntegrationRequest",
        "config",
        app::integrations::validate::MAX_CONFIG_BYTES,
    ),
    (
        "RecordRequest",
        "metadata",
        crate::conversations::record::MAX_METADATA_BYTES,
    ),
];

/// The shared responses: (component name, status, description, example `code`).
const SHARED: [(&str, u16, &str, &str); 10] = [
    (
        "MalformedJson",
        400,
        "The body is not JSON (`malformed_json`)",
        "malformed_json",
    ),
    (
        "Unauthenticated",
        401,
        "No valid session cookie or bearer token (`unauthenticated`)",
        "unauthenticated",
    ),
    (
        "Forbidden",
        403,
        "Refused: `csrf_rejected` (cookie request from a foreign Origin), `no_company`, \
         `user_disabled`, `forbidden` (the role may not do this), or `insufficient_scope` (an \
         API token without the scope in this operation's `bearer` requirement)",
        "forbidden",
    ),
    (
        "NotFound",
        404,
        "No such resource in this clinic, or the path id is not a valid id (`not_found`)",
        "not_found",
    ),
    (
        "MethodNotAllowed",
        405,
        "The path exists but not with this method; `Allow` lists the methods \
         (`method_not_allowed`)",
        "method_not_allowed",
    ),
    (
        "PayloadTooLarge",
        413,
        "The body exceeds the route's limit (`payload_too_large`; see `x-max-body-bytes`)",
        "payload_too_large",
    ),
    (
        "UnsupportedMediaType",
        415,
        "Content-Type is not application/json (`unsupported_media_type`)",
        "unsupported_media_type",
    ),
    (
        "ValidationFailed",
        422,
        "Well-formed JSON or query that does not fit: unknown, missing or mistyped fields, or \
         values out of range (`validation_failed`, with `errors[]`)",
        "validation_failed",
    ),
    (
        "Internal",
        500,
        "Unexpected error; logged with the request id (`internal`)",
        "internal",
    ),
    (
        "AuthUnavailable",
        503,
        "The identity provider (Supabase mode) is unreachable (`auth_provider_unavailable`)",
        "auth_provider_unavailable",
    ),
];

/// Fills in the shared responses, security requirements and body limits (see the module docs).
pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut OpenApi) {
        add_shared_responses(openapi);
        for (path, item) in &mut openapi.paths.paths {
            for (method, op) in [
                ("get", item.get.as_mut()),
                ("put", item.put.as_mut()),
                ("post", item.post.as_mut()),
                ("delete", item.delete.as_mut()),
                ("patch", item.patch.as_mut()),
            ] {
                if let Some(op) = op {
                    apply(path, method, op);
                }
            }
        }
        limit_free_form_fields(openapi);
        unique_operation_ids(openapi);
    }
}

/// Handlers share names across modules (`create`, `list`, …): an operation id used more than
/// once is prefixed with the operation's tag (`users_create`), as OpenAPI wants them unique.
fn unique_operation_ids(openapi: &mut OpenApi) {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for item in openapi.paths.paths.values() {
        for op in [&item.get, &item.put, &item.post, &item.delete, &item.patch] {
            if let Some(id) = op.as_ref().and_then(|op| op.operation_id.clone()) {
                *counts.entry(id).or_default() += 1;
            }
        }
    }
    for item in openapi.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let Some(id) = op.operation_id.as_ref() else {
                continue;
            };
            if counts.get(id).copied().unwrap_or_default() > 1 {
                let tag = op.tags.iter().flatten().next().cloned().unwrap_or_default();
                op.operation_id = Some(format!("{}_{id}", tag.replace('-', "_")));
            }
        }
    }
}

fn problem_example(status: u16, code: &str, title: &str) -> serde_json::Value {
    let mut example = json!({
        "type": format!("/problems/{code}"),
        "title": title,
        "status": status,
        "code": code,
        "request_id": "0193b1f6-8c5e-7d3a-9f10-2b4c6d8e0a12",
    });
    if code == "validation_failed" {
        example["errors"] = json!([{ "field": "name", "message": "length is lower than 1" }]);
    }
    example
}

fn add_shared_responses(openapi: &mut OpenApi) {
    let components = openapi.components.get_or_insert_with(Default::default);
    for (name, status, description, code) in SHARED {
        let title = description.split(" (").next().unwrap_or(description);
        let content = Content::builder()
            .schema(Some(Ref::from_schema_name("Problem")))
            .example(Some(problem_example(status, code, title)))
            .build();
        let response = ResponseBuilder::new()
            .description(description)
            .content(PROBLEM_JSON, content)
            .build();
        components
            .responses
            .insert(name.to_owned(), response.into());
    }
}

fn shared(status: u16) -> Option<RefOr<Response>> {
    SHARED
        .iter()
        .find(|(_, s, _, _)| *s == status)
        .map(|(name, ..)| RefOr::Ref(Ref::from_response_name(*name)))
}

fn add_missing(op: &mut Operation, statuses: &[u16]) {
    for status in statuses {
        let key = status.to_string();
        if !op.responses.responses.contains_key(&key)
            && let Some(response) = shared(*status)
        {
            op.responses.responses.insert(key, response);
        }
    }
}

/// Whether the `/api` gate guards `path` (everything under `/api` but the document).
fn gated(path: &str) -> bool {
    path.starts_with("/api/") && path != "/api/openapi.json"
}

fn requirement(scheme: &str) -> SecurityRequirement {
    SecurityRequirement::new(scheme, Vec::<String>::new())
}

/// The security of routes outside `/api`, by (method, path).
fn security_outside_api(method: &str, path: &str) -> Option<Vec<SecurityRequirement>> {
    Some(match (method, path) {
        ("get", "/auth/me") => vec![requirement("session_cookie"), requirement("bearer")],
        ("post", "/auth/signout-all") => vec![requirement("session_cookie")],
        // Public with a password; signed in (cookie, or a Supabase token) without one.
        ("post", "/auth/accept-invite") => vec![
            SecurityRequirement::default(),
            requirement("session_cookie"),
            requirement("bearer"),
        ],
        // Public, but ends the session of the cookie when one is sent.
        ("post", "/auth/signout") => {
            vec![
                SecurityRequirement::default(),
                requirement("session_cookie"),
            ]
        }
        ("post", "/webhooks/whatsapp" | "/webhooks/instagram") => {
            vec![
                requirement("relay_signature"),
                requirement("meta_signature"),
            ]
        }
        ("post", "/webhooks/n8n/status") => vec![requirement("relay_signature")],
        ("get", "/metrics") => vec![requirement("metrics_token")],
        (
            "get",
            "/healthz"
            | "/readyz"
            | "/api/openapi.json"
            | "/docs"
            | "/docs/{file}"
            | "/webhooks/whatsapp"
            | "/webhooks/instagram",
        )
        | ("post", "/auth/signin" | "/auth/reset-password") => Vec::new(),
        _ => return None,
    })
}

fn body_limit(limit: usize) -> Extensions {
    ExtensionsBuilder::new()
        .add(MAX_BODY_EXTENSION, limit)
        .build()
}

/// A gated operation's security: the session cookie, or a bearer token with the scope the
/// route needs ([`crate::security::scopes::required`], the table the extractors enforce).
fn gated_security(method: &str, path: &str) -> Vec<SecurityRequirement> {
    let method = actix_web::http::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .unwrap_or(actix_web::http::Method::GET);
    let scope = crate::security::scopes::required(&method, path);
    vec![
        requirement("session_cookie"),
        SecurityRequirement::new("bearer", [scope.as_str()]),
    ]
}

fn apply(path: &str, method: &str, op: &mut Operation) {
    if gated(path) {
        op.security = Some(gated_security(method, path));
    } else if op.security.is_none() {
        op.security = security_outside_api(method, path);
    }
    add_missing(op, &[405, 500]);
    if gated(path) {
        add_missing(op, &[401, 403, 503]);
    }
    if path.contains('{') && !path.starts_with("/docs") {
        add_missing(op, &[404]);
    }
    let has_query = op
        .parameters
        .iter()
        .flatten()
        .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
    if has_query && !path.starts_with("/webhooks/") {
        add_missing(op, &[422]);
    }
    let webhook = path.starts_with("/webhooks/");
    if let Some(RefOr::T(body)) = op.request_body.as_mut() {
        if webhook {
            limit_body(body, crate::webhooks::MAX_BODY);
        } else {
            limit_body(body, JSON_LIMIT);
        }
        for content in body.content.values_mut() {
            if let RefOr::T(content) = content {
                add_example(content);
            }
        }
        // Webhooks read raw bytes (any media type; 400 when not JSON): no 415.
        let statuses: &[u16] = if webhook {
            &[400, 413, 422]
        } else {
            &[400, 413, 415, 422]
        };
        add_missing(op, statuses);
    }
    for (status, response) in &mut op.responses.responses {
        if let (true, RefOr::T(response)) = (status.starts_with('2'), response) {
            for content in response.content.values_mut() {
                if let RefOr::T(content) = content {
                    add_example(content);
                }
            }
        }
    }
}

/// Sets the example of the component the content refers to, unless it has one.
fn add_example(content: &mut Content) {
    if content.example.is_some() || !content.examples.is_empty() {
        return;
    }
    let Some(RefOr::Ref(schema)) = &content.schema else {
        return;
    };
    let name = schema
        .ref_location
        .trim_start_matches("#/components/schemas/");
    content.example = crate::openapi_examples::for_schema(name);
}

fn limit_body(body: &mut RequestBody, limit: usize) {
    match body.extensions.as_mut() {
        Some(ext) => ext.merge(body_limit(limit)),
        None => body.extensions = Some(body_limit(limit)),
    }
}

fn limit_free_form_fields(openapi: &mut OpenApi) {
    let Some(components) = openapi.components.as_mut() else {
        return;
    };
    for (schema, property, limit) in FREE_FORM_FIELDS {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema) else {
            continue;
        };
        let Some(RefOr::T(field)) = object.properties.get_mut(property) else {
            continue;
        };
        let ext = ExtensionsBuilder::new()
            .add(MAX_BYTES_EXTENSION, limit)
            .build();
        if let Schema::Object(field) = field {
            match field.extensions.as_mut() {
                Some(existing) => existing.merge(ext),
                None => field.extensions = Some(ext),
            }
        }
    }
}

/// Prometheus metrics of this process (OpenMetrics text; never public).
///
/// Request latency by route and status, webhook deliveries, the outbox, background jobs, the
/// analyst's calls and tokens, the database pool (see `docs/metrics.md`). Never public: with `ATENDE_METRICS_TOKEN` it is served here behind that Bearer token; with
/// `ATENDE_METRICS_BIND` only on that separate listener; with neither, not at all. (This item
/// documents `api_http::metrics::scrape`, which the metrics module routes.)
///
/// # Errors
/// 401 without the metrics bearer token or with a wrong one; 404 when metrics are not served on
/// this listener.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "meta",
    responses(
        (status = 200, description = "OpenMetrics text (scraped natively by Prometheus)", body = String,
            content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8",
            example = "# TYPE atende_webhook_deliveries counter\natende_webhook_deliveries_total{provider=\"relay\",outcome=\"accepted\"} 3\n# EOF\n"),
        (status = 401, description = "Missing or wrong `Authorization: Bearer <ATENDE_METRICS_TOKEN>`",
            body = crate::problem::ProblemDoc, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are not served on this listener (neither variable set, or `ATENDE_METRICS_BIND` set)",
            body = crate::problem::ProblemDoc, content_type = "application/problem+json"),
    )
)]
#[allow(dead_code)] // Documentation only: the route is registered by `crate::metrics`.
pub(crate) async fn metrics() {}
