//! The per-node principal cache (issue 24): a read costs one unit of work, and a revocation, a
//! sign-out or a membership change made on one node is refused on every other node within one
//! second (heard through `LISTEN atende_credentials`, notified by the triggers of migration
//! 0022 in the change's own transaction).

use crate::pg_counter::spawn_counted;
use crate::support::{Node, Session, TestApp};
use app::auth::PrincipalCache;
use diesel_async::SimpleAsyncConnection;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Waits (up to 5 s) until `cache`'s listener is connected: before that nothing is cached.
async fn live(cache: &PrincipalCache) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cache.is_live() {
        assert!(
            Instant::now() < deadline,
            "the node's credential listener never connected"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Sends what `request` builds until its status is `refused` (asserted within one second of the
/// call), polling every 10 ms.
async fn refused_within_a_second(
    what: &str,
    refused: u16,
    request: impl Fn() -> reqwest::RequestBuilder,
) {
    let start = Instant::now();
    loop {
        let status = request().send().await.unwrap().status().as_u16();
        if status == refused {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{what}: still {status} (not {refused}) one second later"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `GET path` on `node` with `browser`'s cookies (the cookie is the host's, whatever the port).
fn on(node: &Node, browser: &Session, path: &str) -> reqwest::RequestBuilder {
    browser
        .client
        .get(format!("{}{path}", node.base))
        .header("origin", &node.base)
}

/// `GET path` on `node` with an API token.
fn bearer(node: &Node, token: &str, path: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .get(format!("{}{path}", node.base))
        .bearer_auth(token)
}

async fn ok(req: reqwest::RequestBuilder) {
    let resp = req.send().await.unwrap();
    let status = resp.status();
    assert_eq!(status, 200, "{:?}", resp.text().await);
}

/// The id of the clinic's token whose name is `name`.
async fn token_id(admin: &Session, name: &str) -> String {
    let list: Value = admin
        .get("/api/api-tokens")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .and_then(|t| t["id"].as_str())
        .unwrap()
        .to_owned()
}

const READ: &str = "/api/inbox/summary";
/// Admins only.
const ADMIN_READ: &str = "/api/api-tokens";

#[tokio::test]
async fn revocation_sign_out_and_member_changes_reach_the_other_node_within_a_second() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Dois Nós").await;
    let b = app.second_node();
    let admin = app.sign_in_as(&clinic.admin).await;
    let token = app.api_token(&admin, "staff").await;
    let token_id = token_id(&admin, "test staff").await;
    let leaving = app.sign_in_as(&clinic.staff).await;
    let staff = app.sign_in_as(&clinic.staff).await;

    // Node B resolves each credential once and then holds it.
    ok(bearer(&b, &token, READ)).await;
    live(&b.principals).await;
    ok(bearer(&b, &token, READ)).await;
    ok(on(&b, &leaving, READ)).await;
    ok(on(&b, &staff, READ)).await;
    ok(on(&b, &admin, ADMIN_READ)).await;
    let forbidden = on(&b, &staff, ADMIN_READ).send().await.unwrap();
    assert_eq!(forbidden.status(), 403);
    assert_eq!(
        b.principals.len(),
        4,
        "B caches the token and three sessions"
    );
    // Node A holds them too; a change made on A is refused on A at once (no wait for the
    // notification: the use case drops its own node's entry).
    let a = Node {
        base: app.base.clone(),
        principals: app.principals.clone(),
    };
    live(&a.principals).await;
    ok(bearer(&a, &token, READ)).await;
    ok(on(&a, &leaving, READ)).await;
    ok(on(&a, &staff, READ)).await;
    assert!(a.principals.len() >= 3, "{}", a.principals.len());
    let at_once = |req: reqwest::RequestBuilder, expected: u16| async move {
        assert_eq!(req.send().await.unwrap().status().as_u16(), expected);
    };

    // A token revoked on node A.
    let resp = admin
        .delete(&format!("/api/api-tokens/{token_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    at_once(bearer(&a, &token, READ), 401).await;
    refused_within_a_second("revoked token on B", 401, || bearer(&b, &token, READ)).await;

    // A session ended on node A.
    let resp = leaving
        .post("/auth/signout", json!({}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    at_once(on(&a, &leaving, READ), 401).await;
    refused_within_a_second("signed-out session on B", 401, || on(&b, &leaving, READ)).await;
    ok(on(&b, &staff, READ)).await;

    // A role change on node A, both ways.
    let member = format!("/api/users/{}", clinic.staff.user_id);
    let resp = admin
        .patch(&member, json!({ "role": "admin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    at_once(on(&a, &staff, ADMIN_READ), 200).await;
    refused_within_a_second("promotion reaching B", 200, || on(&b, &staff, ADMIN_READ)).await;
    let resp = admin
        .patch(&member, json!({ "role": "staff" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    at_once(on(&a, &staff, ADMIN_READ), 403).await;
    refused_within_a_second("demoted member on B", 403, || on(&b, &staff, ADMIN_READ)).await;

    // A member disabled on node A (which also ends their sessions in the clinic).
    ok(on(&b, &staff, READ)).await;
    let resp = admin
        .patch(&member, json!({ "status": "disabled" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    at_once(on(&a, &staff, READ), 401).await;
    refused_within_a_second("disabled member on B", 401, || on(&b, &staff, READ)).await;

    // The admin's own session was never touched: still served.
    ok(on(&b, &admin, ADMIN_READ)).await;
}

#[tokio::test]
async fn changes_made_behind_the_apps_back_are_heard_too() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Psql").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let token = app.api_token(&admin, "admin").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let node = Node {
        base: app.base.clone(),
        principals: app.principals.clone(),
    };
    ok(bearer(&node, &token, READ)).await;
    live(&app.principals).await;
    ok(bearer(&node, &token, ADMIN_READ)).await;
    ok(on(&node, &staff, READ)).await;
    ok(on(&node, &admin, READ)).await;
    assert_eq!(app.principals.len(), 3);

    // Not `app.sql` (which empties the cache itself): an operator's psql session.
    let mut psql = app.db.owner_conn().await;
    psql.batch_execute(&format!(
        "UPDATE api_tokens SET revoked_at = now() WHERE token_hash = sha256('{token}'::bytea)"
    ))
    .await
    .unwrap();
    refused_within_a_second("token revoked in psql", 401, || bearer(&node, &token, READ)).await;
    psql.batch_execute(&format!(
        "UPDATE users SET status = 'disabled' WHERE id = '{}'",
        clinic.staff.user_id
    ))
    .await
    .unwrap();
    refused_within_a_second("member disabled in psql", 403, || on(&node, &staff, READ)).await;
    // A session whose idle deadline was moved into the past.
    psql.batch_execute(&format!(
        "UPDATE auth_sessions SET idle_expires_at = now() - interval '1 second'
          WHERE auth_user_id = (SELECT auth_user_id FROM users WHERE id = '{}')",
        clinic.admin.user_id
    ))
    .await
    .unwrap();
    refused_within_a_second("idle-expired session", 401, || on(&node, &admin, READ)).await;
}

#[tokio::test]
async fn a_cached_read_opens_exactly_one_transaction() {
    let (app, counter) = spawn_counted(server::traffic::TrafficSettings::default()).await;
    let clinic = app.clinic("Clínica Contada").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let token = app.api_token(&admin, "staff").await;
    let service = reqwest::Client::new();
    let read = || service.get(app.url(READ)).bearer_auth(&token);
    ok(read()).await;
    live(&app.principals).await;
    // The first read after the listener connected resolves the token (and caches it).
    ok(read()).await;
    for _ in 0..3 {
        let before = counter.transactions();
        ok(read()).await;
        assert_eq!(
            counter.transactions() - before,
            1,
            "an API read with a cached token: the read itself, nothing else"
        );
    }
    // The same for a session cookie.
    ok(admin.get(READ)).await;
    for _ in 0..3 {
        let before = counter.transactions();
        ok(admin.get(READ)).await;
        assert_eq!(
            counter.transactions() - before,
            1,
            "a read with a cached session: the read itself, nothing else"
        );
    }
    // Without the cache (a revocation heard) the token costs its lookup again.
    app.principals.clear();
    let before = counter.transactions();
    ok(read()).await;
    assert_eq!(counter.transactions() - before, 2, "lookup, then the read");
}

#[tokio::test]
async fn the_profile_and_the_conversation_view_are_one_transaction_each() {
    let (app, counter) = spawn_counted(server::traffic::TrafficSettings::default()).await;
    let clinic = app.clinic("Clínica de Uma Transação").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let token = app.api_token(&admin, "staff").await;
    let created = admin
        .post(
            "/api/clients",
            json!({"name": "Ana Contada", "phone": "+5511987650001"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let client = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = admin
        .post(
            "/api/conversations/start",
            json!({"client_id": client, "channel": "whatsapp"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
    let thread = started.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let service = reqwest::Client::new();
    let read = |path: String| service.get(app.url(&path)).bearer_auth(&token);
    live(&app.principals).await;
    ok(read(READ.to_owned())).await;
    for path in [
        format!("/api/clients/{client}/profile"),
        format!("/api/conversations/{thread}"),
    ] {
        let before = counter.transactions();
        let resp = read(path.clone()).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(
            counter.transactions() - before,
            1,
            "{path}: one unit of work (was three: each port its own transaction)"
        );
    }
    // Another clinic's id is one transaction too, and a 404.
    let before = counter.transactions();
    let resp = read(format!("/api/conversations/{}", uuid::Uuid::now_v7()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(counter.transactions() - before, 1);
}

#[tokio::test]
async fn a_lost_listener_empties_the_cache_and_reconnects() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Religada").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    ok(admin.get(READ)).await;
    live(&app.principals).await;
    ok(admin.get(READ)).await;
    assert_eq!(app.principals.len(), 1);

    // The listener's backend is killed (a failover, an idle-connection reaper).
    let mut psql = app.db.owner_conn().await;
    psql.batch_execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE 'LISTEN atende_credentials%'",
    )
    .await
    .unwrap();
    // Changes may go unheard now: the cache empties and serves nothing until it listens again.
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.principals.is_live() {
        assert!(
            Instant::now() < deadline,
            "the lost listener went unnoticed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(app.principals.is_empty());
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        ok(admin.get(READ)).await;
        if app.principals.is_live() && app.principals.len() == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "never reconnected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let listeners = app
        .scalar(
            "SELECT count(*) FROM pg_stat_activity
              WHERE datname = current_database() AND query LIKE 'LISTEN atende_credentials%'",
        )
        .await;
    assert_eq!(listeners.as_deref(), Some("1"), "one listener per node");
}
