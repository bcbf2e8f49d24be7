//! Test support: a fresh, migrated database per test, so tests run in parallel without sharing
//! state.
//!
//! The first test of a run builds a template database named after a hash of the migrations
//! (`atende_tpl_<hash>`), under an advisory lock so concurrent test processes build it once; every
//! test then gets `CREATE DATABASE atende_t_<unix>_<random> TEMPLATE …` (milliseconds) and drops
//! it when the [`TestDb`] is dropped. Databases left by crashed runs are swept after two hours.
//!
//! The server URL comes from `ATENDE_TEST_DATABASE_URL`, else `DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`; it must be a role that may create databases.

#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod cluster;
pub mod pgbouncer;
pub mod pki;
pub mod proxy;

use crate::migrate::MIGRATIONS;
use crate::pool::{Database, PoolSettings};
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel_async::{AsyncPgConnection, SimpleAsyncConnection};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

/// A migrated database that exists for the lifetime of this value.
pub struct TestDb {
    /// The database name.
    pub name: String,
    /// A URL connecting to it as the server's (owner) role.
    pub url: String,
    admin_url: String,
    /// A pool over [`TestDb::url`].
    pub db: Database,
}

/// The server URL tests use.
#[must_use]
pub fn server_url() -> String {
    std::env::var("ATENDE_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `url` with its database name replaced by `name` (query parameters kept).
#[must_use]
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    }
}

fn migrations_hash() -> String {
    let mut hasher = Sha256::new();
    let migrations = MigrationSource::<Pg>::migrations(&MIGRATIONS).expect("embedded migrations");
    for m in &migrations {
        hasher.update(m.name().to_string().as_bytes());
    }
    // The embedded set only exposes names; hash the SQL files too so an edited migration gets a
    // new template.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
    let mut files: Vec<_> = walk(std::path::Path::new(dir));
    files.sort();
    for f in files {
        hasher.update(f.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&f).unwrap_or_default());
    }
    hex::encode(&hasher.finalize()[..6])
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

async fn admin_conn(admin_url: &str) -> AsyncPgConnection {
    crate::connect::establish(admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL at {admin_url}: {e}"))
}

async fn ensure_template(admin_url: &str) -> String {
    let template = format!("atende_tpl_{}", migrations_hash());
    let mut conn = admin_conn(admin_url).await;
    conn.batch_execute("SELECT pg_advisory_lock(727274)")
        .await
        .expect("advisory lock");
    let exists = database_exists(&mut conn, &template).await;
    if !exists {
        let building = format!("{template}_building");
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"))
            .await
            .expect("drop stale template");
        conn.batch_execute(&format!("CREATE DATABASE {building}"))
            .await
            .expect("create template");
        crate::migrate::run_pending(&with_database(admin_url, &building))
            .await
            .expect("migrate the template");
        conn.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {template}"))
            .await
            .expect("publish template");
        sweep(&mut conn).await;
    }
    conn.batch_execute("SELECT pg_advisory_unlock(727274)")
        .await
        .expect("advisory unlock");
    template
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    use diesel::sql_types::{BigInt, Text};
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let c: Count = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .get_result(conn)
        .await
        .expect("query pg_database");
    c.n > 0
}

/// Drops test databases older than two hours (left by killed runs) and old templates.
async fn sweep(conn: &mut AsyncPgConnection) {
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        datname: String,
    }
    let names: Vec<Name> =
        diesel::sql_query("SELECT datname FROM pg_database WHERE datname LIKE 'atende_t\\_%'")
            .load(conn)
            .await
            .unwrap_or_default();
    let now = unix_now();
    for n in names {
        let stamp = n
            .datname
            .strip_prefix("atende_t_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|s| s.parse::<u64>().ok());
        if stamp.is_some_and(|s| now.saturating_sub(s) > 7200) {
            let _ = conn
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    n.datname
                ))
                .await;
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl TestDb {
    /// A new migrated database with a small pool over it.
    pub async fn new() -> Self {
        let admin_url = server_url();
        let template = ensure_template(&admin_url).await;
        let name = format!(
            "atende_t_{}_{}",
            unix_now(),
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let mut conn = admin_conn(&admin_url).await;
        conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await
            .expect("create test database");
        // Database privileges are not copied from the template (see migrate::HARDEN_SQL).
        conn.batch_execute(&format!(
            "REVOKE TEMPORARY ON DATABASE {name} FROM PUBLIC, atende_app"
        ))
        .await
        .expect("harden test database");
        let url = with_database(&admin_url, &name);
        let db = Database::connect(
            &url,
            &PoolSettings {
                max_size: 8,
                application_name: "atende-test".into(),
                ..PoolSettings::default()
            },
        )
        .expect("pool");
        Self {
            name,
            url,
            admin_url,
            db,
        }
    }

    /// An empty, unmigrated database (for migration and readiness tests).
    pub async fn empty() -> Self {
        let admin_url = server_url();
        let name = format!(
            "atende_t_{}_{}",
            unix_now(),
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        );
        let mut conn = admin_conn(&admin_url).await;
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create empty test database");
        let url = with_database(&admin_url, &name);
        let db = Database::connect(&url, &PoolSettings::default()).expect("pool");
        Self {
            name,
            url,
            admin_url,
            db,
        }
    }

    /// A direct connection to this database as the owner (bypasses nothing by itself: use it to
    /// inspect the catalogs or to set up rows).
    pub async fn owner_conn(&self) -> AsyncPgConnection {
        admin_conn(&self.url).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; use a private one on a plain thread.
        let handle = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(async move {
                    if let Ok(mut c) = crate::connect::establish(&admin_url).await {
                        let _ = c
                            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .await;
                    }
                });
            }
        });
        let _ = handle.join();
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u@h:5432", "x"),
            "postgres://u@h:5432/x"
        );
    }
}
