//! TLS to PostgreSQL (rustls) against private clusters with `ssl = on` and a CA made here: each
//! `sslmode` checks what it promises, SCRAM binds to the TLS channel, and the pool and the
//! migrations connect the same way.

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use infra_postgres::connect::establish;
use infra_postgres::testing::cluster::{ClusterOptions, PrivateCluster};
use infra_postgres::testing::pki::{TestPki, certificate_authority};
use infra_postgres::{Database, DbError, PoolSettings};
use std::path::PathBuf;

/// The name in the server certificate; every URL reaches 127.0.0.1 through `hostaddr`.
const SERVER_NAME: &str = "db.atende.test";

fn write_file(cluster: &PrivateCluster, name: &str, content: &str) -> PathBuf {
    let path = cluster.dir().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn url(cluster: &PrivateCluster, host: &str, db: &str, params: &str) -> String {
    format!(
        "postgres://postgres@{host}:{}/{db}?hostaddr=127.0.0.1&{params}",
        cluster.port()
    )
}

#[derive(QueryableByName)]
struct Ssl {
    #[diesel(sql_type = Bool)]
    ssl: bool,
    #[diesel(sql_type = Text)]
    version: String,
}

async fn ssl_of(conn: &mut AsyncPgConnection) -> Ssl {
    diesel::sql_query(
        "SELECT ssl, coalesce(version, '') AS version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .get_result(conn)
    .await
    .unwrap()
}

async fn refused(url: &str) -> String {
    match establish(url).await {
        Ok(_) => panic!("{url} must be refused"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_full_needs_the_ca_and_the_host_name_and_the_other_modes_check_what_they_promise() {
    let pki = TestPki::new(SERVER_NAME);
    let cluster = PrivateCluster::start(&ClusterOptions {
        tls: Some((pki.server_chain_pem.clone(), pki.server_key_pem.clone())),
        hba: vec![
            "hostssl all scram_user 127.0.0.1/32 scram-sha-256".into(),
            "host all scram_user 127.0.0.1/32 reject".into(),
        ],
        ..ClusterOptions::default()
    });
    let ca = write_file(&cluster, "ca.pem", &pki.ca_pem);
    let other_ca = write_file(
        &cluster,
        "other-ca.pem",
        &certificate_authority("Another CA").pem(),
    );
    let ca = ca.display();
    let other_ca = other_ca.display();

    // verify-full with the CA and the certificate's name: encrypted.
    let full = url(
        &cluster,
        SERVER_NAME,
        "postgres",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let mut conn = establish(&full).await.unwrap();
    let ssl = ssl_of(&mut conn).await;
    assert!(ssl.ssl, "verify-full must encrypt");
    assert!(ssl.version.starts_with("TLSv1."), "{}", ssl.version);

    // The same CA, another host name: refused on the name.
    let err = refused(&url(
        &cluster,
        "wrong.atende.test",
        "postgres",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await;
    assert!(err.contains("certificate") && err.contains("Name"), "{err}");
    // The right name, but the system's roots (which never heard of this CA) or another CA.
    let err = refused(&url(
        &cluster,
        SERVER_NAME,
        "postgres",
        "sslmode=verify-full",
    ))
    .await;
    assert!(err.contains("certificate"), "{err}");
    let err = refused(&url(
        &cluster,
        SERVER_NAME,
        "postgres",
        &format!("sslmode=verify-ca&sslrootcert={other_ca}"),
    ))
    .await;
    assert!(err.contains("certificate"), "{err}");

    // verify-ca checks the chain, not the name.
    let mut conn = establish(&url(
        &cluster,
        "wrong.atende.test",
        "postgres",
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ))
    .await
    .unwrap();
    assert!(ssl_of(&mut conn).await.ssl);

    // require (and the default, prefer) encrypt without checking the certificate, as libpq.
    for params in ["sslmode=require", "sslmode=prefer", "application_name=x"] {
        let mut conn = establish(&url(&cluster, "anything.test", "postgres", params))
            .await
            .unwrap();
        assert!(ssl_of(&mut conn).await.ssl, "{params} must encrypt");
    }
    // … but require with an sslrootcert checks the chain (libpq does the same).
    let err = refused(&url(
        &cluster,
        SERVER_NAME,
        "postgres",
        &format!("sslmode=require&sslrootcert={other_ca}"),
    ))
    .await;
    assert!(err.contains("certificate"), "{err}");
    // disable never encrypts.
    let mut conn = establish(&url(&cluster, SERVER_NAME, "postgres", "sslmode=disable"))
        .await
        .unwrap();
    assert!(!ssl_of(&mut conn).await.ssl);

    // SCRAM bound to the TLS channel (tls-server-end-point): the server checks the binding, so
    // a wrong certificate hash would fail the login.
    cluster.psql(
        "postgres",
        "CREATE ROLE scram_user LOGIN PASSWORD 'scram-pass-123'",
    );
    let scram = format!(
        "postgres://scram_user:scram-pass-123@{SERVER_NAME}:{}/postgres?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={ca}&channel_binding=require",
        cluster.port()
    );
    let mut conn = establish(&scram).await.unwrap();
    assert!(ssl_of(&mut conn).await.ssl);

    // The pool and the migrations connect the same way.
    cluster.psql("postgres", "CREATE DATABASE atende_tls");
    let app_url = url(
        &cluster,
        SERVER_NAME,
        "atende_tls",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let applied = infra_postgres::migrate::run_pending(&app_url)
        .await
        .unwrap();
    assert!(!applied.is_empty());
    assert_eq!(
        infra_postgres::migrate::pending_count(&app_url)
            .await
            .unwrap(),
        0
    );
    let db = Database::connect(&app_url, &PoolSettings::default()).unwrap();
    let encrypted = db
        .system_tx(|conn| {
            Box::pin(async move {
                // pg_stat_ssl shows the session's row to its own (superuser) role only.
                diesel_async::SimpleAsyncConnection::batch_execute(conn, "RESET ROLE").await?;
                Ok::<_, DbError>(ssl_of(conn).await.ssl)
            })
        })
        .await
        .unwrap();
    assert!(encrypted, "pooled connections are encrypted");
    let wrong_name = url(
        &cluster,
        "wrong.atende.test",
        "atende_tls",
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    assert!(
        infra_postgres::migrate::pending_count(&wrong_name)
            .await
            .is_err()
    );
    let db = Database::connect(
        &wrong_name,
        &PoolSettings {
            wait_timeout: std::time::Duration::from_secs(2),
            ..PoolSettings::default()
        },
    )
    .unwrap();
    let r = db
        .system_tx(|_| Box::pin(async move { Ok::<_, DbError>(()) }))
        .await;
    assert!(matches!(r, Err(DbError::Unavailable(..))), "{r:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn require_refuses_a_server_without_tls_and_prefer_falls_back_to_plain_text() {
    let cluster = PrivateCluster::start(&ClusterOptions::default());
    let base = cluster.url("postgres");
    for mode in ["require", "verify-ca", "verify-full"] {
        let err = refused(&format!("{base}?sslmode={mode}")).await;
        assert!(err.contains("TLS"), "{mode}: {err}");
    }
    for mode in ["prefer", "disable"] {
        let mut conn = establish(&format!("{base}?sslmode={mode}")).await.unwrap();
        assert!(!ssl_of(&mut conn).await.ssl, "{mode}");
    }
}

#[tokio::test]
async fn an_unreadable_root_file_or_a_bad_mode_fails_the_pool_with_a_clear_error() {
    let e = Database::connect(
        "postgres://postgres@127.0.0.1:1/x?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem",
        &PoolSettings::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("sslrootcert"), "{e}");
    let e = Database::connect(
        "postgres://postgres:hunter2@127.0.0.1:1/x?sslmode=verify-everything",
        &PoolSettings::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("sslmode"), "{e}");
    assert!(!e.to_string().contains("hunter2"), "{e}");
}
