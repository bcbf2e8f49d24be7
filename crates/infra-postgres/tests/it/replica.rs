//! A real streaming replica: a private primary (`wal_level = replica`), `pg_basebackup -R` into a
//! second data directory, a second `postgres` on another port, then the primary migrated (the
//! schema reaches the replica by streaming). `Database::replica_tx` reads there under RLS, read
//! only, and falls back to the primary when the replica is stopped or lags beyond the bound, then
//! returns to it. Both clusters are stopped and deleted when the test ends.

use crate::common::{SEEDED_TENANT_TABLES, number, seed_company, tenant_column};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Text};
use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
use domain::{CompanyId, UserId};
use infra_postgres::testing::cluster::{
    ClusterOptions, PrivateCluster, eventually, replication_tools,
};
use infra_postgres::{Database, DbError, PoolSettings, ReplicaSettings, TenantScope};
use std::time::Duration;
use uuid::Uuid;

const DB: &str = "atende_replica";

/// The replica first (dropped first), then the primary.
struct Pair {
    replica: PrivateCluster,
    primary: PrivateCluster,
}

impl Pair {
    /// The clusters, or `None` (with the reason printed) where the PostgreSQL server programs
    /// are not installed.
    async fn start() -> Option<Self> {
        if let Err(missing) = replication_tools() {
            eprintln!("SKIPPED: the streaming-replica test needs the PostgreSQL server: {missing}");
            return None;
        }
        let primary = PrivateCluster::start(&ClusterOptions {
            conf: vec!["wal_level = replica".into(), "max_wal_senders = 4".into()],
            ..ClusterOptions::default()
        });
        primary.psql("postgres", &format!("CREATE DATABASE {DB}"));
        let replica = PrivateCluster::replica_of(
            &primary,
            &ClusterOptions {
                conf: vec!["hot_standby = on".into()],
                ..ClusterOptions::default()
            },
        );
        assert_eq!(replica.psql("postgres", "SELECT pg_is_in_recovery()"), "t");
        // Migrated after the replica started: the schema reaches it by streaming.
        infra_postgres::migrate::run_pending(&primary.url(DB))
            .await
            .unwrap();
        Some(Self { replica, primary })
    }

    /// The primary's pool with the replica, lag bound `max_lag`, measured every 100 ms.
    fn database(&self, max_lag: Duration) -> Database {
        let pool = PoolSettings {
            max_size: 4,
            wait_timeout: Duration::from_secs(2),
            ..PoolSettings::default()
        };
        Database::connect(&self.primary.url(DB), &pool)
            .unwrap()
            .with_replica(
                &self.replica.url(DB),
                &pool,
                ReplicaSettings {
                    max_lag,
                    check_every: Duration::from_millis(100),
                    timeout: Duration::from_secs(2),
                },
            )
            .unwrap()
    }

    /// Two clinics with a row in every tenant table, written on the primary as the owner.
    async fn two_clinics(&self) -> (Uuid, Uuid) {
        let mut owner = infra_postgres::connect::establish(&self.primary.url(DB))
            .await
            .unwrap();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        seed_company(&mut owner, a).await;
        seed_company(&mut owner, b).await;
        (a, b)
    }
}

#[derive(QueryableByName, Debug, Clone, Copy, PartialEq, Eq)]
struct Served {
    /// Whether the server that ran the read is the replica (in recovery).
    #[diesel(sql_type = Bool)]
    on_replica: bool,
    /// The clinic's clients, as that server sees them.
    #[diesel(sql_type = BigInt)]
    clients: i64,
}

/// One replica read of `company`'s clients: where it ran and what it saw.
async fn read(db: &Database, company: Uuid) -> Result<Served, DbError> {
    db.replica_tx(TenantScope::company(CompanyId(company)), |conn| {
        Box::pin(async move {
            let served: Served = diesel::sql_query(
                "SELECT pg_is_in_recovery() AS on_replica, (SELECT count(*) FROM clients) AS clients",
            )
            .get_result(conn)
            .await?;
            Ok::<_, DbError>(served)
        })
    })
    .await
}

/// Waits (30 s at most) until a read of `company` is served as `expected`.
async fn until_served(db: &Database, company: Uuid, expected: Served) {
    let mut last = None;
    let reached = eventually(Duration::from_secs(30), async || {
        last = Some(read(db, company).await);
        matches!(&last, Some(Ok(s)) if *s == expected)
    })
    .await;
    assert!(reached, "never served as {expected:?}; last: {last:?}");
}

#[derive(QueryableByName)]
struct Pin {
    #[diesel(sql_type = Bool)]
    on_replica: bool,
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Text)]
    company: String,
    #[diesel(sql_type = Text)]
    user: String,
    #[diesel(sql_type = Text)]
    read_only: String,
    #[diesel(sql_type = Text)]
    isolation: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn replica_reads_see_the_primarys_rows_keep_each_clinic_to_its_own_and_cannot_write() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let db = pair.database(Duration::from_secs(10));
    let (a, b) = pair.two_clinics().await;

    // Written on the primary, read on the replica once streamed.
    let streamed = Served {
        on_replica: true,
        clients: 1,
    };
    until_served(&db, a, streamed).await;
    until_served(&db, b, streamed).await;

    // Row-level security holds on the replica: in every tenant table, clinic A sees its own
    // rows and none of B's.
    for table in SEEDED_TENANT_TABLES {
        let col = tenant_column(table);
        let (on_replica, mine, theirs, total) = db
            .replica_tx(TenantScope::company(CompanyId(a)), move |conn| {
                Box::pin(async move {
                    let on_replica = number(
                        conn,
                        "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END::int8 AS n",
                    )
                    .await?;
                    let mine = number(
                        conn,
                        &format!("SELECT count(*) AS n FROM {table} WHERE {col} = '{a}'"),
                    )
                    .await?;
                    let theirs = number(
                        conn,
                        &format!("SELECT count(*) AS n FROM {table} WHERE {col} = '{b}'"),
                    )
                    .await?;
                    let total = number(conn, &format!("SELECT count(*) AS n FROM {table}")).await?;
                    Ok::<_, DbError>((on_replica, mine, theirs, total))
                })
            })
            .await
            .unwrap();
        assert_eq!(on_replica, 1, "{table}: served by the replica");
        assert!(mine >= 1, "{table}: clinic A sees none of its own rows");
        assert_eq!(theirs, 0, "{table}: clinic A sees clinic B's rows");
        assert_eq!(total, mine, "{table}: clinic A sees another clinic's rows");
    }

    // A replica URL naming another database of the standby is never read.
    let elsewhere = Database::connect(&pair.primary.url(DB), &PoolSettings::default())
        .unwrap()
        .with_replica(
            &pair.replica.url("postgres"),
            &PoolSettings::default(),
            ReplicaSettings::default(),
        )
        .unwrap();
    assert_eq!(
        read(&elsewhere, a).await.unwrap(),
        Served {
            on_replica: false,
            clients: 1
        }
    );

    // Pinned as tenant_tx pins, in one read-only snapshot.
    let user = Uuid::now_v7();
    let pin = db
        .replica_tx(TenantScope::user(CompanyId(a), UserId(user)), |conn| {
            Box::pin(async move {
                let pin: Pin = diesel::sql_query(
                    "SELECT pg_is_in_recovery() AS on_replica, current_user::text AS role,
                            current_setting('app.company_id') AS company,
                            current_setting('app.user_id') AS user,
                            current_setting('transaction_read_only') AS read_only,
                            current_setting('transaction_isolation') AS isolation",
                )
                .get_result(conn)
                .await?;
                Ok::<_, DbError>(pin)
            })
        })
        .await
        .unwrap();
    assert!(pin.on_replica);
    assert_eq!(pin.role, "atende_app");
    assert_eq!(pin.company, a.to_string());
    assert_eq!(pin.user, user.to_string());
    assert_eq!(pin.read_only, "on");
    assert_eq!(pin.isolation, "repeatable read");

    // A write through replica_tx fails, on the replica and on the primary alike (no replica
    // configured: the same unit of work runs on the primary, still read only).
    let primary_only = Database::connect(&pair.primary.url(DB), &PoolSettings::default()).unwrap();
    for (db, on_replica) in [(&db, true), (&primary_only, false)] {
        let err = db
            .replica_tx(TenantScope::company(CompanyId(a)), move |conn| {
                Box::pin(async move {
                    let here = number(
                        conn,
                        "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END::int8 AS n",
                    )
                    .await?;
                    assert_eq!(here == 1, on_replica);
                    conn.batch_execute("UPDATE clients SET name = 'Overwritten'")
                        .await?;
                    Ok::<_, DbError>(())
                })
            })
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("read-only transaction"),
            "on_replica={on_replica}: {err}"
        );
    }
    let unchanged = pair.primary.psql(
        DB,
        "SELECT count(*) FROM clients WHERE name = 'Overwritten'",
    );
    assert_eq!(unchanged, "0");
    assert!(
        read(&primary_only, a).await.is_ok_and(|s| !s.on_replica),
        "without a replica, replica reads run on the primary"
    );
    assert_eq!(primary_only.replica_stats(), None);

    let stats = db.replica_stats().unwrap();
    assert!(
        stats.replica_reads >= 2 + SEEDED_TENANT_TABLES.len() as u64,
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replica_reads_fall_back_to_the_primary_when_the_replica_is_down_or_lagging_and_return() {
    let Some(pair) = Pair::start().await else {
        return;
    };
    let max_lag = Duration::from_secs(2);
    let db = pair.database(max_lag);
    let (a, _) = pair.two_clinics().await;
    let on_replica = |clients| Served {
        on_replica: true,
        clients,
    };
    let on_primary = |clients| Served {
        on_replica: false,
        clients,
    };
    until_served(&db, a, on_replica(1)).await;

    // An idle primary keeps the replica fresh long past the bound: its last commit is old,
    // but it has replayed everything there is.
    let idle_until = tokio::time::Instant::now() + max_lag * 3;
    while tokio::time::Instant::now() < idle_until {
        assert_eq!(read(&db, a).await.unwrap(), on_replica(1), "idle primary");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The replica stops: every read is answered, by the primary.
    pair.replica.stop();
    for _ in 0..5 {
        assert_eq!(read(&db, a).await.unwrap(), on_primary(1), "replica down");
    }
    let down = db.replica_stats().unwrap();
    assert!(down.primary_reads >= 5, "{down:?}");
    assert_eq!(down.lag, None, "{down:?}");

    // It comes back: reads return to it.
    pair.replica.start_again();
    until_served(&db, a, on_replica(1)).await;

    // Replay paused, then a write on the primary: the replica no longer has everything, and
    // once its lag passes the bound the reads go to the primary, which has the new row.
    pair.replica
        .psql("postgres", "SELECT pg_wal_replay_pause()");
    pair.primary.psql(
        DB,
        &format!("INSERT INTO clients (company_id, name, status) VALUES ('{a}', 'Late', 'active')"),
    );
    until_served(&db, a, on_primary(2)).await;
    assert_eq!(
        pair.replica.psql(
            DB,
            &format!("SELECT count(*) FROM clients WHERE company_id = '{a}'")
        ),
        "1",
        "the replica is behind: the fallback was needed"
    );
    let lagging = db.replica_stats().unwrap();
    assert_eq!(lagging.lag.map(|l| l > max_lag), Some(true), "{lagging:?}");

    // Replay resumes: the replica catches up and serves again.
    pair.replica
        .psql("postgres", "SELECT pg_wal_replay_resume()");
    until_served(&db, a, on_replica(2)).await;

    let stats = db.replica_stats().unwrap();
    assert!(
        stats.replica_reads > 0 && stats.primary_reads > down.primary_reads,
        "{stats:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replica_that_accepts_connections_but_never_answers_leaves_every_read_to_the_primary() {
    let t = infra_postgres::testing::TestDb::new().await;
    // Accepts, then says nothing: a hung server or a silent network.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let pool = PoolSettings {
        max_size: 2,
        ..PoolSettings::default()
    };
    let db = Database::connect(&t.url, &pool)
        .unwrap()
        .with_replica(
            &format!(
                "postgres://postgres@127.0.0.1:{port}/{}?sslmode=disable",
                t.name
            ),
            &pool,
            ReplicaSettings {
                max_lag: Duration::from_secs(10),
                check_every: Duration::from_millis(100),
                timeout: Duration::from_millis(300),
            },
        )
        .unwrap();
    let company = Uuid::now_v7();
    for _ in 0..3 {
        assert_eq!(
            read(&db, company).await.unwrap(),
            Served {
                on_replica: false,
                clients: 0
            }
        );
    }
    let stats = db.replica_stats().unwrap();
    assert_eq!((stats.replica_reads, stats.primary_reads), (0, 3));
}
