//! The validation walk over the OpenAPI document: every operation declares its problem+json
//! errors, its security and examples; every request body is bounded (strings, arrays, numbers,
//! free-form objects), with the limits the code really enforces.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use api_http::extractors::JSON_LIMIT;
use api_http::openapi::ApiDoc;
use api_http::openapi_extra::{MAX_BODY_EXTENSION, MAX_BYTES_EXTENSION, PROBLEM_JSON};
use serde_json::Value;
use utoipa::OpenApi;

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// String formats whose values are bounded by the format itself.
const BOUNDED_FORMATS: [&str; 3] = ["uuid", "date-time", "date"];

fn document() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap()
}

/// Follows `$ref`s (`#/components/...`) until a concrete value.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let pointer = r.strip_prefix('#').expect("local $ref");
        v = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("dangling $ref {r}"));
    }
    v
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    ops
}

fn types(schema: &Value) -> Vec<&str> {
    match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn has_example(doc: &Value, media: &Value) -> bool {
    let present = |v: &Value| {
        v.get("example").is_some_and(|e| !e.is_null())
            || v.get("examples").is_some_and(|e| {
                e.as_array().map_or_else(
                    || e.as_object().is_some_and(|o| !o.is_empty()),
                    |a| !a.is_empty(),
                )
            })
    };
    if present(media) {
        return true;
    }
    media
        .get("schema")
        .is_some_and(|s| present(resolve(doc, s)))
}

/// Checks one request-body schema, recording every unbounded part under `at`.
fn walk(
    doc: &Value,
    schema: &Value,
    at: &str,
    seen: &mut BTreeSet<String>,
    errors: &mut Vec<String>,
) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        if seen.insert(r.to_owned()) {
            walk(doc, resolve(doc, schema), at, seen, errors);
            seen.remove(r);
        }
        return;
    }
    for composite in ["allOf", "oneOf", "anyOf"] {
        for (i, part) in schema[composite]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            walk(doc, part, &format!("{at}/{composite}[{i}]"), seen, errors);
        }
    }
    let bounded_bytes = schema.get(MAX_BYTES_EXTENSION).is_some();
    let ts = types(schema);
    if ts.is_empty()
        && schema.get("allOf").is_none()
        && schema.get("oneOf").is_none()
        && schema.get("anyOf").is_none()
        && !bounded_bytes
        && schema.get("enum").is_none()
    {
        errors.push(format!("{at}: any value, without `{MAX_BYTES_EXTENSION}`"));
    }
    for t in ts {
        match t {
            "string" => {
                let format = schema["format"].as_str().unwrap_or_default();
                if schema.get("maxLength").is_none()
                    && schema.get("enum").is_none()
                    && schema.get("const").is_none()
                    && !BOUNDED_FORMATS.contains(&format)
                {
                    errors.push(format!("{at}: string without maxLength"));
                }
            }
            "array" => {
                if schema.get("maxItems").is_none() {
                    errors.push(format!("{at}: array without maxItems"));
                }
                if let Some(items) = schema.get("items") {
                    walk(doc, items, &format!("{at}[]"), seen, errors);
                }
            }
            "integer" | "number" => {
                let min = schema
                    .get("minimum")
                    .or_else(|| schema.get("exclusiveMinimum"));
                let max = schema
                    .get("maximum")
                    .or_else(|| schema.get("exclusiveMaximum"));
                if min.is_none() || max.is_none() {
                    errors.push(format!("{at}: number without minimum and maximum"));
                }
            }
            "object" => {
                let properties = schema["properties"].as_object();
                for (name, property) in properties.into_iter().flatten() {
                    walk(doc, property, &format!("{at}.{name}"), seen, errors);
                }
                let limited = bounded_bytes || schema.get("maxProperties").is_some();
                match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {}
                    Some(Value::Bool(true)) if !limited => errors.push(format!(
                        "{at}: free-form additionalProperties without a documented limit"
                    )),
                    Some(extra @ Value::Object(_)) => {
                        if !limited {
                            errors.push(format!("{at}: a map without maxProperties"));
                        }
                        walk(doc, extra, &format!("{at}.*"), seen, errors);
                    }
                    None if properties.is_none() && !limited => {
                        errors.push(format!(
                            "{at}: free-form object without `{MAX_BYTES_EXTENSION}`"
                        ));
                    }
                    _ => {}
                }
            }
            "boolean" | "null" => {}
            other => errors.push(format!("{at}: unexpected type {other}")),
        }
    }
}

/// Webhook deliveries (Meta and relay envelopes) are large free-form JSON: their bound is the
/// body size, documented on the request body. This is the one accepted exception.
fn free_form_webhook_body(path: &str, body: &Value, schema: &Value) -> bool {
    path.starts_with("/webhooks/")
        && types(schema) == ["object"]
        && schema.get("properties").is_none()
        && body[MAX_BODY_EXTENSION] == api_http::webhooks::MAX_BODY
        && body["description"]
            .as_str()
            .is_some_and(|d| d.contains("256 KiB"))
}

#[test]
fn every_operation_declares_problem_errors_security_and_examples() {
    let doc = document();
    let mut errors = Vec::new();
    for (method, path, op) in operations(&doc) {
        let at = format!("{method} {path}");
        let responses = op["responses"].as_object().unwrap();
        let problem = |status: &str| {
            responses
                .get(status)
                .is_some_and(|r| resolve(&doc, r)["content"].get(PROBLEM_JSON).is_some())
        };
        if !responses.keys().any(|s| s.starts_with('4') && problem(s)) {
            errors.push(format!("{at}: no 4xx {PROBLEM_JSON} response"));
        }
        if !problem("500") {
            errors.push(format!("{at}: no 500 {PROBLEM_JSON} response"));
        }
        if op.get("security").is_none() {
            errors.push(format!(
                "{at}: no security requirement (use [] for public routes)"
            ));
        }
        if path.starts_with("/api/") && path != "/api/openapi.json" {
            for status in ["401", "403"] {
                if !problem(status) {
                    errors.push(format!("{at}: gated but no {status} problem"));
                }
            }
            let schemes: BTreeSet<&str> = op["security"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|o| o.keys().map(String::as_str))
                .collect();
            if schemes != BTreeSet::from(["bearer", "session_cookie"]) {
                errors.push(format!("{at}: gated but security is {schemes:?}"));
            }
        }
        if path.contains("{id}") && !problem("404") {
            errors.push(format!("{at}: an id in the path but no 404 problem"));
        }
        if let Some(body) = op.get("requestBody") {
            let body = resolve(&doc, body);
            for status in ["400", "413", "422"] {
                if !problem(status) {
                    errors.push(format!("{at}: a request body but no {status} problem"));
                }
            }
            if body[MAX_BODY_EXTENSION].as_u64().is_none() {
                errors.push(format!("{at}: request body without `{MAX_BODY_EXTENSION}`"));
            }
            for (media_type, media) in body["content"].as_object().unwrap() {
                if !has_example(&doc, media) {
                    errors.push(format!(
                        "{at}: request body {media_type} without an example"
                    ));
                }
            }
        }
        for (status, response) in responses {
            if !status.starts_with('2') {
                continue;
            }
            let response = resolve(&doc, response);
            for (media_type, media) in response["content"].as_object().into_iter().flatten() {
                if !has_example(&doc, media) {
                    errors.push(format!("{at}: {status} {media_type} without an example"));
                }
            }
        }
    }
    let mut ids = BTreeSet::new();
    for (method, path, op) in operations(&doc) {
        match op["operationId"].as_str() {
            Some(id) if !ids.insert(id.to_owned()) => {
                errors.push(format!("{method} {path}: operationId {id} is not unique"));
            }
            Some(_) => {}
            None => errors.push(format!("{method} {path}: no operationId")),
        }
    }
    assert!(
        errors.is_empty(),
        "{} problems:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// The `# Errors` section of a handler's doc comment (the operation's description) names the
/// statuses it answers: each one must be a declared response.
#[test]
fn every_status_named_in_a_handlers_errors_section_is_declared() {
    let doc = document();
    let mut errors = Vec::new();
    let mut sections = 0;
    for (method, path, op) in operations(&doc) {
        let Some((_, section)) = op["description"]
            .as_str()
            .and_then(|d| d.split_once("# Errors"))
        else {
            continue;
        };
        sections += 1;
        let words = section.split(|c: char| !c.is_ascii_digit());
        for status in words.filter(|w| w.len() == 3 && (w.starts_with('4') || w.starts_with('5'))) {
            if op["responses"].get(status).is_none() {
                errors.push(format!("{method} {path}: {status} named but not declared"));
            }
        }
    }
    assert!(sections > 40, "only {sections} `# Errors` sections found");
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn every_request_body_is_bounded() {
    let doc = document();
    let mut errors = Vec::new();
    for (method, path, op) in operations(&doc) {
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        let body = resolve(&doc, body);
        for (media_type, media) in body["content"].as_object().unwrap() {
            let schema = &media["schema"];
            let at = format!("{method} {path} {media_type}");
            if free_form_webhook_body(&path, body, resolve(&doc, schema)) {
                continue;
            }
            if !path.starts_with("/webhooks/") && body[MAX_BODY_EXTENSION] != JSON_LIMIT {
                errors.push(format!(
                    "{at}: `{MAX_BODY_EXTENSION}` is not the JSON limit"
                ));
            }
            walk(&doc, schema, &at, &mut BTreeSet::new(), &mut errors);
        }
    }
    assert!(
        errors.is_empty(),
        "{} problems:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// Checks that `value` fits `schema`: known properties only (unless the object is free-form),
/// required ones present, enum values from the enum, nulls only where allowed.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        // `#[serde(flatten)]`: the parts' properties together describe one object.
        let mut merged = serde_json::json!({"type": "object", "properties": {}, "required": []});
        for part in parts {
            let part = resolve(doc, part);
            for (k, v) in part["properties"].as_object().into_iter().flatten() {
                merged["properties"][k] = v.clone();
            }
            for r in part["required"].as_array().into_iter().flatten() {
                merged["required"].as_array_mut().unwrap().push(r.clone());
            }
        }
        return conforms(doc, &merged, value, at, errors);
    }
    for composite in ["oneOf", "anyOf"] {
        if let Some(branches) = schema.get(composite).and_then(Value::as_array) {
            let fits = branches.iter().any(|b| {
                let mut e = Vec::new();
                conforms(doc, b, value, at, &mut e);
                e.is_empty()
            });
            if !fits {
                errors.push(format!("{at}: {value} fits no {composite} branch"));
            }
            return;
        }
    }
    let ts = types(schema);
    if value.is_null() {
        if !ts.contains(&"null") && !ts.is_empty() {
            errors.push(format!("{at}: null where the schema does not allow it"));
        }
        return;
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array)
        && !values.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {values:?}"));
    }
    match value {
        Value::Object(object) if schema.get("properties").is_some() => {
            let properties = schema["properties"].as_object().unwrap();
            for (k, v) in object {
                match properties.get(k) {
                    Some(p) => conforms(doc, p, v, &format!("{at}.{k}"), errors),
                    None if schema.get("additionalProperties").is_none() => {
                        errors.push(format!("{at}: unknown property {k}"));
                    }
                    None => {}
                }
            }
            for r in schema["required"].as_array().into_iter().flatten() {
                if !object.contains_key(r.as_str().unwrap()) {
                    errors.push(format!("{at}: required property {r} missing"));
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    conforms(doc, item_schema, item, &format!("{at}[{i}]"), errors);
                }
            }
        }
        _ => {}
    }
}

#[test]
fn every_example_fits_its_schema() {
    let doc = document();
    let mut errors = Vec::new();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        let mut media = Vec::new();
        if let Some(body) = op.get("requestBody") {
            media.extend(
                resolve(&doc, body)["content"]
                    .as_object()
                    .into_iter()
                    .flatten(),
            );
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            let response = resolve(&doc, response);
            for (media_type, m) in response["content"].as_object().into_iter().flatten() {
                if status.starts_with('2') || media_type == PROBLEM_JSON {
                    media.push((media_type, m));
                }
            }
        }
        for (media_type, m) in media {
            if let (Some(example), Some(schema)) = (m.get("example"), m.get("schema")) {
                checked += 1;
                let at = format!("{method} {path} {media_type} example");
                conforms(&doc, schema, example, &at, &mut errors);
            }
        }
    }
    assert!(checked > 100, "only {checked} examples checked");
    errors.sort();
    errors.dedup();
    assert!(
        errors.is_empty(),
        "{} problems:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn the_walk_rejects_what_it_should() {
    let doc = serde_json::json!({"components": {"schemas": {"Inner": {
        "type": "object",
        "properties": {
            "ok": {"type": "string", "maxLength": 3},
            "id": {"type": "string", "format": "uuid"},
            "email": {"type": "string", "format": "email"},
            "list": {"type": "array", "items": {"type": "string", "maxLength": 1}},
            "n": {"type": ["integer", "null"], "minimum": 0},
            "blob": {"type": "object"},
            "map": {"type": "object", "additionalProperties": true},
            "limited": {"type": "object", "x-max-bytes": 10}
        }
    }}}});
    let mut errors = Vec::new();
    walk(
        &doc,
        &serde_json::json!({"$ref": "#/components/schemas/Inner"}),
        "body",
        &mut BTreeSet::new(),
        &mut errors,
    );
    errors.sort();
    assert_eq!(
        errors,
        [
            "body.blob: free-form object without `x-max-bytes`",
            "body.email: string without maxLength",
            "body.list: array without maxItems",
            "body.map: free-form additionalProperties without a documented limit",
            "body.n: number without minimum and maximum",
        ]
    );
}
