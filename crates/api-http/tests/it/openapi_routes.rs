//! Route coverage: the OpenAPI document and the routes of `api_http::app` describe the same
//! (method, path) pairs.
//!
//! actix-web does not expose its route table, so two complementary checks:
//! 1. **served ⊆ documented**, from the source: every `web::resource("…")` / `.route("…", …)`
//!    literal in `crates/api-http/src`, with each `.route(web::<method>()` on it and the prefix of
//!    the scope its `configure` function is registered in (read from `lib.rs`), must be an
//!    operation of the document. A route added without documentation fails here.
//! 2. **documented ⊆ served**, against the real app: every documented path, requested (signed
//!    in) with a method it does not document, must answer 405 with an `Allow` header listing
//!    exactly the documented methods. A documented path that is not served answers 404 instead;
//!    a served method missing from the document shows up in `Allow`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use support::signed_in::{self, ORIGIN};

use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use api_http::openapi::ApiDoc;
use domain::auth::Role;
use utoipa::OpenApi;
use uuid::Uuid;

/// Documented but served by a module outside this test's reach (another feature registers it):
/// documentation-only path items, see `api_http::openapi_extra`.
const DOCUMENTATION_ONLY: [(&str, &str); 1] = [("GET", "/metrics")];

const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "PATCH"];

/// (method, path) of every operation in the document.
fn documented() -> BTreeSet<(String, String)> {
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method.to_lowercase()).is_some() {
                ops.insert((method.to_owned(), path.clone()));
            }
        }
    }
    ops
}

fn src_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literal starting right after `prefix` at `text[at..]`.
fn literal_after<'a>(text: &'a str, at: usize, prefix: &str) -> &'a str {
    let rest = &text[at + prefix.len()..];
    &rest[..rest.find('"').unwrap()]
}

/// `{name:regex}` → `{name}`, as OpenAPI spells path parameters.
fn normalise(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    let mut skipping = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push(c);
            }
            '}' if in_param => {
                in_param = false;
                skipping = false;
                out.push(c);
            }
            ':' if in_param => skipping = true,
            _ if skipping => {}
            _ => out.push(c),
        }
    }
    out
}

/// The scope prefix of each `module::function` registered with `.configure(…)` in `lib.rs`.
fn configure_prefixes() -> BTreeMap<String, &'static str> {
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).unwrap();
    let api_start = lib.find("web::scope(\"/api\")").expect("the /api scope");
    let api_end = api_start + lib[api_start..].find(".default_service(").unwrap();
    let mut prefixes = BTreeMap::new();
    for (at, _) in lib.match_indices(".configure(") {
        let name = &lib[at + ".configure(".len()..];
        // `.configure(path)` or `.configure(|cfg| path(cfg, …))`.
        let name = match name.strip_prefix('|') {
            Some(closure) => {
                let call = closure[closure.find('|').unwrap() + 1..].trim_start();
                &call[..call.find('(').unwrap()]
            }
            None => &name[..name.find(')').unwrap()],
        };
        if !name.contains("::") {
            continue; // `extra`: the test-only hook
        }
        let prefix = if (api_start..api_end).contains(&at) {
            "/api"
        } else {
            ""
        };
        prefixes.insert(name.to_owned(), prefix);
    }
    prefixes
}

/// (method, path) of every route registered in the source.
fn served_in_source() -> BTreeSet<(String, String)> {
    let prefixes = configure_prefixes();
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let mut routes = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        if !text.contains("web::resource(") && !text.contains(".route(\"") {
            continue;
        }
        let module = file
            .strip_prefix(src_dir())
            .unwrap()
            .with_extension("")
            .to_string_lossy()
            .trim_end_matches("/mod")
            .replace('/', "::");
        // Split the file into its functions; routes belong to the enclosing `configure`.
        for (fn_at, _) in text.match_indices("pub fn ") {
            let name = &text[fn_at + "pub fn ".len()..];
            let name = &name[..name.find('(').unwrap()];
            let body_end = text[fn_at..]
                .find("\n}\n")
                .map_or(text.len(), |e| fn_at + e);
            let body = &text[fn_at..body_end];
            if !body.contains("web::resource(") && !body.contains(".route(\"") {
                continue;
            }
            let qualified = format!("{module}::{name}");
            // A re-exported function is configured by its public path (`metrics::configure`
            // for `metrics::http::configure`).
            let exported = format!("{}::{name}", module.split("::").next().unwrap_or_default());
            // Routes registered on the `App` itself, in `lib.rs`, and on an `App` of their own
            // (the separate metrics listener) have no prefix.
            let prefix = if module == "lib" || body.contains("App::new()") {
                ""
            } else {
                prefixes
                    .get(&qualified)
                    .or_else(|| prefixes.get(&exported))
                    .copied()
                    .unwrap_or_else(|| {
                        panic!("{qualified} registers routes but lib.rs does not `.configure` it")
                    })
            };
            collect_routes(body, prefix, &qualified, &mut routes);
        }
    }
    routes
}

fn collect_routes(body: &str, prefix: &str, at: &str, routes: &mut BTreeSet<(String, String)>) {
    // `web::resource("P")…` up to the next resource: each `.route(web::m()` is a method of P.
    let starts: Vec<usize> = body
        .match_indices("web::resource(\"")
        .map(|(i, _)| i)
        .collect();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(body.len());
        let chunk = &body[start..end];
        let path = normalise(&format!(
            "{prefix}{}",
            literal_after(body, start, "web::resource(\"")
        ));
        let mut found = false;
        for method in METHODS {
            let call = format!(".route(web::{}()", method.to_lowercase());
            if chunk.contains(&call) {
                routes.insert((method.to_owned(), path.clone()));
                found = true;
            }
        }
        assert!(
            found,
            "{at}: resource {path} has no `.route(web::<method>()` this test understands"
        );
        assert!(
            !chunk.contains("\").to("),
            "{at}: resource {path} answers every method: use `.route`"
        );
    }
    // `cfg.route("P", web::m()…)`.
    for (start, _) in body.match_indices(".route(\"") {
        let path = normalise(&format!(
            "{prefix}{}",
            literal_after(body, start, ".route(\"")
        ));
        let rest = &body[start..];
        let method = METHODS
            .iter()
            .find(|m| rest.contains(&format!("web::{}()", m.to_lowercase())))
            .unwrap_or_else(|| panic!("{at}: route {path} without a method"));
        routes.insert(((*method).to_owned(), path));
    }
}

#[test]
fn every_route_in_the_source_is_documented() {
    let documented = documented();
    let served = served_in_source();
    assert!(served.len() > 40, "the source walk found only {served:?}");
    let undocumented: Vec<_> = served.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "served but missing from the OpenAPI document (add #[utoipa::path] and list it in \
         openapi.rs): {undocumented:?}"
    );
    let doc_only: BTreeSet<(String, String)> = DOCUMENTATION_ONLY
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let not_in_source: Vec<_> = documented
        .difference(&served)
        .filter(|op| !doc_only.contains(op))
        .collect();
    assert!(
        not_in_source.is_empty(),
        "documented but not registered in the source: {not_in_source:?}"
    );
}

#[test]
fn the_source_walk_understands_both_registration_styles() {
    let mut routes = BTreeSet::new();
    collect_routes(
        r#"cfg.service(web::resource("/a/{id:\d+}").route(web::get().to(x)).route(web::patch().to(y)))
            .service(web::resource("/b").route(web::post().to(z)));
           cfg.route("/c", web::delete().to(w));"#,
        "/api",
        "test",
        &mut routes,
    );
    let expected: BTreeSet<(String, String)> = [
        ("GET", "/api/a/{id}"),
        ("PATCH", "/api/a/{id}"),
        ("POST", "/api/b"),
        ("DELETE", "/api/c"),
    ]
    .iter()
    .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
    .collect();
    assert_eq!(routes, expected);
}

#[actix_web::test]
async fn every_documented_path_is_served_with_exactly_the_documented_methods() {
    let app = test::init_service(api_http::app(signed_in::state(Role::Admin))).await;
    let mut by_path: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (method, path) in documented() {
        if DOCUMENTATION_ONLY.contains(&(method.as_str(), path.as_str())) {
            continue;
        }
        by_path.entry(path).or_default().insert(method);
    }
    assert!(by_path.len() > 30);
    let mut failures = Vec::new();
    for (path, methods) in &by_path {
        let probe = METHODS
            .iter()
            .find(|m| !methods.contains(**m))
            .expect("a path documents every method");
        let uri = path
            .replace("{id}", &Uuid::from_u128(1).to_string())
            .replace("{label_id}", &Uuid::from_u128(2).to_string())
            .replace("{file}", "index.css");
        assert!(!uri.contains('{'), "add a sample value for {uri}");
        let req = TestRequest::default()
            .method(Method::from_bytes(probe.as_bytes()).unwrap())
            .uri(&uri)
            .insert_header(("origin", ORIGIN))
            .cookie(actix_web::cookie::Cookie::new("atende_session", "good"))
            .to_request();
        let res = test::call_service(&app, req).await;
        let allow: BTreeSet<String> = res
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(',')
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect();
        if res.status() != StatusCode::METHOD_NOT_ALLOWED || &allow != methods {
            failures.push(format!(
                "{probe} {uri}: {} Allow={allow:?}, documented {methods:?}",
                res.status()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[actix_web::test]
async fn an_unknown_path_is_told_apart_from_a_known_one() {
    // The probe above relies on this: an unknown path is 404, not 405.
    let app = test::init_service(api_http::app(signed_in::state(Role::Admin))).await;
    let req = TestRequest::put()
        .uri("/api/not-a-route")
        .insert_header(("origin", ORIGIN))
        .cookie(actix_web::cookie::Cookie::new("atende_session", "good"))
        .to_request();
    let res = test::call_service(&app, req).await;
    support::read_problem(res, StatusCode::NOT_FOUND, "not_found").await;
}
