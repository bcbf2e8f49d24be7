//! The `atende` command line over TLS: `ATENDE_DB_SSLMODE` (or the URL's `sslmode`) and the
//! URL's `sslrootcert` reach `migrate` and the other subcommands. The private cluster refuses
//! every connection that is not encrypted, so a success proves TLS was used.

use infra_postgres::testing::cluster::{ClusterOptions, PrivateCluster};
use infra_postgres::testing::pki::TestPki;
use std::process::{Command, Output};

const SERVER_NAME: &str = "db.atende.test";

fn atende(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_atende"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn migrate_and_company_create_connect_with_verify_full_and_refuse_a_wrong_host_name() {
    let pki = TestPki::new(SERVER_NAME);
    let cluster = PrivateCluster::start(&ClusterOptions {
        tls: Some((pki.server_chain_pem.clone(), pki.server_key_pem.clone())),
        hba: vec!["hostnossl all all 0.0.0.0/0 reject".into()],
        ..ClusterOptions::default()
    });
    cluster.psql("postgres", "CREATE DATABASE atende_cli");
    let ca = cluster.dir().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let url = |host: &str| {
        format!(
            "postgres://postgres@{host}:{}/atende_cli?hostaddr=127.0.0.1&sslrootcert={}",
            cluster.port(),
            ca.display()
        )
    };
    let good = url(SERVER_NAME);

    // Plain text is refused by the server, so what succeeds below was encrypted.
    let plain = atende(
        &["migrate"],
        &[("DATABASE_URL", &format!("{good}&sslmode=disable"))],
    );
    assert!(!plain.status.success(), "{}", text(&plain));

    let env = [
        ("DATABASE_URL", good.as_str()),
        ("ATENDE_DB_SSLMODE", "verify-full"),
    ];
    let out = atende(&["migrate"], &env);
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("migration(s) applied"),
        "{}",
        text(&out)
    );
    let out = atende(
        &[
            "company",
            "create",
            "--name",
            "Clínica TLS",
            "--admin-email",
            "admin@tls.test",
            "--admin-password",
            "tls-admin-password",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        cluster.psql("atende_cli", "SELECT name FROM companies"),
        "Clínica TLS"
    );

    let wrong = url("wrong.atende.test");
    let out = atende(
        &["migrate"],
        &[
            ("DATABASE_URL", wrong.as_str()),
            ("ATENDE_DB_SSLMODE", "verify-full"),
        ],
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("certificate"), "{}", text(&out));
}
