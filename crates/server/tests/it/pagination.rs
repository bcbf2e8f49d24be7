//! Every list answers a cursor it did not issue (an old format, garbage, another list's) with
//! 422 `invalid_cursor` naming `cursor`. The lists are found by walking the served OpenAPI
//! document for GET operations with a `cursor` parameter, so a new list is covered when added.

use serde_json::Value;

use crate::support::{TestApp, assert_problem};

/// Cursors no list accepts: garbage, the three formats before `c1.` (a bare uuid, base64url of
/// `<time>|<uuid>`, base64url of the JSON key alone) and `c1.` cursors of a list that does not
/// exist (with a time-and-id key and with an id key).
const FOREIGN: [&str; 6] = [
    "garbage",
    "0193b1f6-8c5e-7d3a-9f10-2b4c6d8e0a12",
    "MjAyNi0wMS0wMVQxMjowMDowMC4wMDAwMDBafDAxOTNiMWY2LThjNWUtN2QzYS05ZjEwLTJiNGM2ZDhlMGExMg",
    "WzE3NjcyNjg4MDAwMDAwMDAsIjAxOTNiMWY2LThjNWUtN2QzYS05ZjEwLTJiNGM2ZDhlMGExMiJd",
    "c1.eyJsIjoiZWxzZXdoZXJlIiwiayI6WzE3NjcyNjg4MDAwMDAwMDAsIjAxOTNiMWY2LThjNWUtN2QzYS05ZjEwLTJiNGM2ZDhlMGExMiJdfQ",
    "c1.eyJsIjoiZWxzZXdoZXJlIiwiayI6IjAxOTNiMWY2LThjNWUtN2QzYS05ZjEwLTJiNGM2ZDhlMGExMiJ9",
];

/// The GET operations of the served document that take `?cursor=`, ids filled in, each with its
/// required query parameters (`q` of the search) set to a plain word.
async fn lists(app: &TestApp) -> Vec<String> {
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(params) = item["get"]["parameters"].as_array() else {
            continue;
        };
        if params
            .iter()
            .any(|p| p["name"] == "cursor" && p["in"] == "query")
        {
            let required: Vec<String> = params
                .iter()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .filter_map(|p| p["name"].as_str().map(|n| format!("{n}=consulta&")))
                .collect();
            out.push(format!(
                "{}?{}",
                path.replace("{id}", &uuid::Uuid::now_v7().to_string()),
                required.concat()
            ));
        }
    }
    out
}

#[tokio::test]
async fn every_list_refuses_a_cursor_it_did_not_issue() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Cursor").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let lists = lists(&app).await;
    assert!(lists.len() >= 12, "only {} lists: {lists:?}", lists.len());
    for path in &lists {
        for cursor in FOREIGN {
            let resp = admin
                .get(&format!("{path}cursor={cursor}"))
                .send()
                .await
                .unwrap();
            let body = assert_problem(resp, 422, "invalid_cursor").await;
            let fields: Vec<&str> = body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert_eq!(fields, ["cursor"], "{path}cursor={cursor}: {body}");
        }
        // The first page still answers.
        let resp = admin.get(&format!("{path}limit=1")).send().await.unwrap();
        assert!(
            resp.status() == 200 || resp.status() == 404,
            "{path}: {}",
            resp.status()
        );
    }
}
