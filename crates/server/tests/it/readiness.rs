//! `/readyz`: 503 problem+json with a pending migration or no database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use infra_postgres::testing::TestDb;
use infra_postgres::{Database, PoolSettings};
use std::net::TcpListener;
use std::time::Duration;
use support::assert_problem;

async fn serve(db: &Database) -> String {
    let state = server::wiring::app_state(db);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let srv = actix_web::HttpServer::new(move || api_http::app(state.clone()))
        .workers(1)
        .listen(listener)
        .unwrap()
        .disable_signals()
        .run();
    tokio::spawn(srv);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn readyz_is_503_while_migrations_are_pending() {
    let t = TestDb::empty().await;
    let base = serve(&t.db).await;
    let resp = reqwest::get(format!("{base}/readyz")).await.unwrap();
    let body = assert_problem(resp, 503, "not_ready").await;
    assert!(
        body["detail"].as_str().unwrap().contains("pending"),
        "{body}"
    );
    // Once migrated, the same node becomes ready.
    infra_postgres::migrate::run_pending(&t.url).await.unwrap();
    let resp = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn readyz_is_503_without_a_database() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = Database::connect(
        &format!("postgres://postgres@127.0.0.1:{port}/atende"),
        &PoolSettings {
            wait_timeout: Duration::from_millis(500),
            ..PoolSettings::default()
        },
    )
    .unwrap();
    let base = serve(&db).await;
    let resp = reqwest::get(format!("{base}/readyz")).await.unwrap();
    let body = assert_problem(resp, 503, "not_ready").await;
    assert!(
        body["detail"].as_str().unwrap().contains("database"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_follows_a_database_outage_and_recovers_without_a_restart() {
    use infra_postgres::testing::cluster::{ClusterOptions, PrivateCluster, eventually};
    let cluster = PrivateCluster::start(&ClusterOptions::default());
    cluster.psql("postgres", "CREATE DATABASE atende_ready");
    let url = cluster.url("atende_ready");
    infra_postgres::migrate::run_pending(&url).await.unwrap();
    let db = Database::connect(
        &url,
        &PoolSettings {
            wait_timeout: Duration::from_secs(1),
            ..PoolSettings::default()
        },
    )
    .unwrap();
    let base = serve(&db).await;
    let status = async || {
        reqwest::get(format!("{base}/readyz"))
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status().await, 200);

    cluster.stop();
    let resp = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_problem(resp, 503, "not_ready").await;

    cluster.start_again();
    assert!(
        eventually(Duration::from_secs(30), async || status().await == 200).await,
        "/readyz must recover by itself"
    );
    // After a restart too: the stale connections cost no request.
    cluster.restart();
    assert_eq!(status().await, 200);
}
