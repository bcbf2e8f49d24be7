//! When the database cannot serve a request (the pool exhausted past its wait), the API answers
//! 503 `database_unavailable` with `Retry-After`, never a 500, and serves again once a connection
//! is free.

use crate::support::{TestApp, assert_problem};
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test]
async fn an_exhausted_pool_answers_503_with_retry_after_then_serves_again() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Lotada").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let resp = admin
        .post(
            "/api/api-tokens",
            json!({"name": "leitor", "scopes": ["read"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let token = resp.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    // A node whose pool has two connections (the smallest pool) and waits 200 ms for one.
    let (node, pool) = app.node_with_pool(&infra_postgres::PoolSettings {
        max_size: 2,
        wait_timeout: Duration::from_millis(200),
        ..infra_postgres::PoolSettings::default()
    });
    let get = || {
        app.client
            .get(format!("{}/api/clients", node.base))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(get().await.unwrap().status(), 200);

    // Something holds both connections.
    let (release_tx, release_rx) = tokio::sync::watch::channel(false);
    let mut holders = Vec::new();
    for _ in 0..2 {
        let (held_tx, held_rx) = tokio::sync::oneshot::channel();
        let mut release = release_rx.clone();
        let pool = pool.clone();
        let scope = infra_postgres::TenantScope::company(domain::CompanyId(clinic.company_id));
        holders.push(tokio::spawn(async move {
            pool.tenant_tx(scope, move |_conn| {
                Box::pin(async move {
                    let _ = held_tx.send(());
                    let _ = release.wait_for(|r| *r).await;
                    Ok::<_, anyhow::Error>(())
                })
            })
            .await
        }));
        held_rx.await.unwrap();
    }
    let resp = get().await.unwrap();
    assert_eq!(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    assert_problem(resp, 503, "database_unavailable").await;

    release_tx.send_replace(true);
    for holder in holders {
        holder.await.unwrap().unwrap();
    }
    assert_eq!(get().await.unwrap().status(), 200);
}
