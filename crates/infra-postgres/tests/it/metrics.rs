//! `infra_postgres::metrics::queue_depth`: the job queue's depth and recent failures through
//! its door, as
//! `atende_app` with no clinic pinned, counted across clinics.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel_async::SimpleAsyncConnection;
use infra_postgres::metrics::{QueueDepth, queue_depth};
use infra_postgres::testing::TestDb;
use uuid::Uuid;

#[tokio::test]
async fn queue_depth_counts_unfinished_jobs_by_kind_and_state_across_clinics() {
    let t = TestDb::new().await;
    assert!(queue_depth(&t.db).await.unwrap().is_empty(), "empty queue");
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let mut owner = t.owner_conn().await;
    let mut sql = String::new();
    for c in [a, b] {
        sql.push_str(&format!(
            "INSERT INTO companies (id, name) VALUES ('{c}', 'Clinic {c}');"
        ));
    }
    // a: two due dispatches, one waiting (backoff), one running, one done, one failed;
    // b: one due dispatch and one running daily run.
    for (company, kind, status, run_at) in [
        (
            a,
            "outbound_dispatch",
            "queued",
            "now() - interval '1 second'",
        ),
        (
            a,
            "outbound_dispatch",
            "queued",
            "now() - interval '1 minute'",
        ),
        (
            a,
            "outbound_dispatch",
            "queued",
            "now() + interval '5 minutes'",
        ),
        (a, "outbound_dispatch", "running", "now()"),
        (a, "outbound_dispatch", "done", "now()"),
        (a, "outbound_dispatch", "failed", "now()"),
        (
            b,
            "outbound_dispatch",
            "queued",
            "now() - interval '1 second'",
        ),
        (b, "snapshot_daily", "running", "now()"),
    ] {
        sql.push_str(&format!(
            "INSERT INTO jobs (id, company_id, kind, status, run_at)
             VALUES ('{}', '{company}', '{kind}', '{status}', {run_at});",
            Uuid::now_v7()
        ));
    }
    // a's failure above has no finish time; one failed an hour ago counts, one two days ago not.
    sql.push_str(&format!(
        "INSERT INTO jobs (company_id, kind, status, finished_at) VALUES
             ('{a}', 'outbound_dispatch', 'failed', now() - interval '1 hour'),
             ('{b}', 'conversation_closed', 'failed', now() - interval '2 days');"
    ));
    owner.batch_execute(&sql).await.unwrap();

    let depth = queue_depth(&t.db).await.unwrap();
    assert_eq!(
        depth,
        vec![
            QueueDepth {
                kind: "outbound_dispatch".into(),
                due: 3,
                waiting: 1,
                running: 1,
                failed_24h: 1,
            },
            QueueDepth {
                kind: "snapshot_daily".into(),
                due: 0,
                waiting: 0,
                running: 1,
                failed_24h: 0,
            },
        ]
    );
}
