//! The job queue over PostgreSQL: fair claims across clinics, leases renewed and fenced,
//! deferrals that give the attempt back, and jobs past their attempts failing for good.

use diesel_async::SimpleAsyncConnection;
use domain::jobs::{ClaimRequest, Job, JobFence, JobOutcome};
use domain::ports::jobs::JobQueue;
use infra_postgres::jobs::PgJobQueue;
use infra_postgres::testing::TestDb;
use uuid::Uuid;

async fn clinics(t: &TestDb, n: usize) -> Vec<Uuid> {
    let ids: Vec<Uuid> = (0..n).map(|_| Uuid::now_v7()).collect();
    let mut sql = String::new();
    for id in &ids {
        sql.push_str(&format!(
            "INSERT INTO companies (id, name) VALUES ('{id}', 'Clinic {id}');"
        ));
    }
    t.owner_conn().await.batch_execute(&sql).await.unwrap();
    ids
}

/// `n` due jobs of `kind` for `company`, the oldest first by `run_at`.
async fn due(t: &TestDb, company: Uuid, kind: &str, n: usize, max_attempts: u32) {
    let mut sql = String::new();
    for i in 0..n {
        sql.push_str(&format!(
            "INSERT INTO jobs (id, company_id, kind, run_at, max_attempts)
             VALUES ('{}', '{company}', '{kind}', now() - interval '{} seconds', {max_attempts});",
            Uuid::now_v7(),
            100 - i
        ));
    }
    t.owner_conn().await.batch_execute(&sql).await.unwrap();
}

fn claim(worker: &str, limit: u32, lease_secs: u32, per_company: u32) -> ClaimRequest {
    ClaimRequest {
        worker: worker.to_owned(),
        kinds: vec!["outbound_dispatch".into()],
        limit,
        lease_secs,
        per_company,
    }
}

fn fence(worker: &str, job: &Job) -> JobFence {
    JobFence {
        worker: worker.to_owned(),
        attempt: job.attempts,
    }
}

async fn scalar(t: &TestDb, sql: &str) -> String {
    crate::common::strings(
        &mut t.owner_conn().await,
        &format!("SELECT ({sql})::text AS v"),
    )
    .await
    .remove(0)
}

/// Makes every running job's lease expire (as if its worker had stopped long ago).
async fn expire_leases(t: &TestDb) {
    t.owner_conn()
        .await
        .batch_execute(
            "UPDATE jobs SET locked_until = now() - interval '1 second' WHERE status = 'running'",
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn claims_are_fair_no_clinic_gets_more_than_its_share_and_each_clinic_comes_first_once() {
    let t = TestDb::new().await;
    let ids = clinics(&t, 3).await;
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    // A has a backlog of 30 (its oldest are the oldest of all), B two, C one.
    due(&t, a, "outbound_dispatch", 30, 6).await;
    due(&t, b, "outbound_dispatch", 2, 6).await;
    due(&t, c, "outbound_dispatch", 1, 6).await;
    let q = PgJobQueue::new(t.db.clone());

    let first = q.claim(claim("w1", 3, 60, 4)).await.unwrap();
    let mut clinics_first: Vec<Uuid> = first.iter().map(|j| j.company_id.0).collect();
    clinics_first.sort();
    let mut expected = vec![a, b, c];
    expected.sort();
    assert_eq!(clinics_first, expected, "each clinic's oldest job first");

    let second = q.claim(claim("w2", 16, 60, 4)).await.unwrap();
    let count = |jobs: &[Job], c: Uuid| jobs.iter().filter(|j| j.company_id.0 == c).count();
    assert_eq!(count(&second, a), 3, "A is held to its share of 4 running");
    assert_eq!(count(&second, b), 1);
    assert_eq!(count(&second, c), 0);
    assert!(
        q.claim(claim("w3", 16, 60, 4)).await.unwrap().is_empty(),
        "A is at its share, B and C have nothing due"
    );
    // A job of A ends: A may take one more.
    let done = first.iter().find(|j| j.company_id.0 == a).unwrap();
    assert!(
        q.finish(
            done.company_id,
            done.id,
            fence("w1", done),
            JobOutcome::Done(None)
        )
        .await
        .unwrap()
    );
    let third = q.claim(claim("w3", 16, 60, 4)).await.unwrap();
    assert_eq!(third.len(), 1);
    assert_eq!(third[0].company_id.0, a);
    // The share is per set of kinds: another kind of A's is not held back by it.
    due(&t, a, "conversation_closed", 1, 3).await;
    let other = q
        .claim(ClaimRequest {
            kinds: vec!["conversation_closed".into()],
            ..claim("w4", 4, 60, 1)
        })
        .await
        .unwrap();
    assert_eq!(other.len(), 1);
}

#[tokio::test]
async fn a_stale_worker_can_neither_renew_nor_overwrite_the_newer_attempt() {
    let t = TestDb::new().await;
    let a = clinics(&t, 1).await[0];
    due(&t, a, "outbound_dispatch", 1, 6).await;
    let q = PgJobQueue::new(t.db.clone());
    let old = q.claim(claim("w-old", 1, 60, 4)).await.unwrap().remove(0);
    assert_eq!(old.attempts, 1);
    assert!(
        q.renew(old.company_id, old.id, fence("w-old", &old), 60)
            .await
            .unwrap(),
        "the holder renews its lease"
    );
    expire_leases(&t).await;
    let new = q.claim(claim("w-new", 1, 60, 4)).await.unwrap().remove(0);
    assert_eq!((new.id, new.attempts), (old.id, 2));

    assert!(
        !q.renew(old.company_id, old.id, fence("w-old", &old), 60)
            .await
            .unwrap()
    );
    let stale = JobOutcome::Failed("stale worker's verdict".into());
    assert!(
        !q.finish(old.company_id, old.id, fence("w-old", &old), stale)
            .await
            .unwrap(),
        "fenced out"
    );
    // Same worker id but the old attempt: still fenced.
    assert!(
        !q.finish(
            old.company_id,
            old.id,
            JobFence {
                worker: "w-new".into(),
                attempt: 1
            },
            JobOutcome::Done(None)
        )
        .await
        .unwrap()
    );
    let row = format!(
        "SELECT status || ' ' || coalesce(last_error, '-') || ' ' || locked_by FROM jobs WHERE id = '{}'",
        old.id.0
    );
    assert_eq!(scalar(&t, &row).await, "running - w-new");

    let result = serde_json::json!({"status": "sent"});
    assert!(
        q.finish(
            new.company_id,
            new.id,
            fence("w-new", &new),
            JobOutcome::Done(Some(result))
        )
        .await
        .unwrap()
    );
    let row = format!(
        "SELECT status || ' ' || (result->>'status') || ' ' || attempts FROM jobs WHERE id = '{}'",
        old.id.0
    );
    assert_eq!(scalar(&t, &row).await, "done sent 2");
}

#[tokio::test]
async fn a_job_whose_lease_expires_on_its_last_attempt_fails_for_good_and_is_listed() {
    let t = TestDb::new().await;
    let a = clinics(&t, 1).await[0];
    due(&t, a, "outbound_dispatch", 1, 2).await;
    let q = PgJobQueue::new(t.db.clone());
    // It kills its worker twice (claimed, never finished).
    for attempt in 1..=2 {
        let jobs = q.claim(claim("crashing", 1, 60, 4)).await.unwrap();
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].attempts, attempt);
        expire_leases(&t).await;
    }
    assert!(
        q.claim(claim("next", 1, 60, 4)).await.unwrap().is_empty(),
        "never claimed a third time"
    );
    assert_eq!(
        scalar(&t, "SELECT status FROM jobs").await,
        "failed",
        "visible as failed"
    );
    let failed = q.failed(domain::CompanyId(a), 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(
        (
            failed[0].attempts,
            failed[0].max_attempts,
            failed[0].kind.as_str()
        ),
        (2, 2, "outbound_dispatch")
    );
    let why = failed[0].last_error.clone().unwrap();
    assert!(why.contains("lease expired during attempt 2 of 2"), "{why}");
    assert!(failed[0].finished_at.is_some());
    assert!(
        q.failed(domain::CompanyId(Uuid::now_v7()), 10)
            .await
            .unwrap()
            .is_empty(),
        "another clinic sees none"
    );
}

#[tokio::test]
async fn a_deferred_job_gives_its_attempt_back_and_waits_until_its_time() {
    let t = TestDb::new().await;
    let a = clinics(&t, 1).await[0];
    due(&t, a, "outbound_dispatch", 1, 1).await;
    let q = PgJobQueue::new(t.db.clone());
    let job = q.claim(claim("w", 1, 60, 4)).await.unwrap().remove(0);
    let at = chrono::Utc::now() + chrono::Duration::seconds(30);
    let deferred = JobOutcome::Deferred {
        at,
        reason: "clinic at its analysis limit".into(),
    };
    assert!(
        q.finish(job.company_id, job.id, fence("w", &job), deferred)
            .await
            .unwrap()
    );
    assert_eq!(
        scalar(&t, "SELECT status || ' ' || attempts || ' ' || (run_at > now() + interval '20 seconds') FROM jobs").await,
        "queued 0 true"
    );
    assert!(q.claim(claim("w", 1, 60, 4)).await.unwrap().is_empty());
    t.owner_conn()
        .await
        .batch_execute("UPDATE jobs SET run_at = now() - interval '1 second'")
        .await
        .unwrap();
    let again = q.claim(claim("w", 1, 60, 4)).await.unwrap();
    assert_eq!(again[0].attempts, 1, "its one attempt is still there");
}

#[tokio::test]
async fn renewing_extends_the_lease() {
    let t = TestDb::new().await;
    let a = clinics(&t, 1).await[0];
    due(&t, a, "outbound_dispatch", 1, 6).await;
    let q = PgJobQueue::new(t.db.clone());
    let job = q.claim(claim("w", 1, 5, 4)).await.unwrap().remove(0);
    let lease = "SELECT (locked_until > now() + interval '50 seconds') FROM jobs";
    assert_eq!(scalar(&t, lease).await, "false");
    assert!(
        q.renew(job.company_id, job.id, fence("w", &job), 60)
            .await
            .unwrap()
    );
    assert_eq!(scalar(&t, lease).await, "true");
}
