//! Issue #23 items 3 and 4 with real processes: two `atende serve` (`ATENDE_WORKER=off`) and two
//! `atende worker` on one database. Signed webhooks (each delivered to both servers) and replies
//! (each sent to one server and replayed on the other) are spread over both servers while the
//! fake n8n fails and recovers, and one worker is killed with SIGKILL while it holds dispatch
//! jobs. Then: every message is stored once, every reply dispatched and recorded once, every
//! clinic's daily sweep queued and run once for its day, the killed worker's jobs finished by the
//! other after their lease, and the webhook and sign-in limits hold across both servers.

use crate::outbox_support::{FakeN8n, OUTBOUND_SECRET, WEBHOOK_SECRET as N8N_SECRET};
use crate::process_support::{Proc, serve, worker};
use crate::support::{Clinic, Session, TestApp};
use futures_util::future::join_all;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const RELAY_SECRET: &str = "whsec_several_nodes_0123456789";

async fn relay(node: &Proc, account: &str, message_id: &str, text: &str) -> (u16, Value) {
    let body = serde_json::to_vec(&json!({
        "account_id": account, "message_id": message_id,
        "from": {"id": format!("55119876{}", &account[account.len() - 5..]), "name": "Paciente"},
        "type": "text", "text": text, "timestamp": chrono::Utc::now().timestamp()
    }))
    .unwrap();
    let t = chrono::Utc::now().timestamp();
    let resp = reqwest::Client::new()
        .post(format!("{}/webhooks/whatsapp", node.base))
        .header("content-type", "application/json")
        .header(
            "X-Atende-Signature",
            infra_crypto::webhook::sign(RELAY_SECRET.as_bytes(), t, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A clinic with a WhatsApp relay integration on `account` and an n8n integration pointing at
/// `fake`, and its admin signed in (through the in-process node).
async fn clinic(app: &TestApp, fake: &FakeN8n, name: &str, account: &str) -> (Clinic, Session) {
    let clinic = app.clinic(name).await;
    let admin = app.sign_in_as(&clinic.admin).await;
    for body in [
        json!({"provider": "whatsapp", "account_id": account, "config": {},
               "secrets": {"webhook_secret": RELAY_SECRET}}),
        json!({"provider": "n8n", "account_id": format!("n8n-{account}"),
               "config": {"outbound_url": fake.url},
               "secrets": {"outbound_secret": OUTBOUND_SECRET, "webhook_secret": N8N_SECRET}}),
    ] {
        let resp = admin.post("/api/integrations", body).send().await.unwrap();
        assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    }
    (clinic, admin)
}

/// `session` talking to `node`.
fn on(session: &Session, node: &Proc) -> Session {
    Session {
        base: node.base.clone(),
        ..session.clone()
    }
}

async fn send(session: &Session, conversation: &str, text: &str, key: &str) -> (u16, String) {
    let resp = session
        .post(
            "/api/chat/send",
            json!({"conversation_id": conversation, "message": text}),
        )
        .header("Idempotency-Key", key)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    let id = body["interaction"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{status} {body}"))
        .to_owned();
    (status, id)
}

/// Sends reply `i` of a clinic to one server and replays it on the other: one interaction.
async fn reply_twice(admin: &Session, nodes: [&Proc; 2], conversation: &str, key: &str) -> String {
    let (first, id) = send(&on(admin, nodes[0]), conversation, key, key).await;
    assert_eq!(first, 202);
    let (again, same) = send(&on(admin, nodes[1]), conversation, key, key).await;
    assert_eq!(again, 200, "a replay on the other node");
    assert_eq!(same, id);
    id
}

async fn wait_for(app: &TestApp, what: &str, sql: &str, within: Duration) {
    let until = Instant::now() + within;
    loop {
        if app.scalar(sql).await.as_deref() == Some("true") {
            return;
        }
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn two_servers_and_two_workers_on_one_database_lose_nothing_and_repeat_nothing() {
    let app = TestApp::spawn().await;
    let fake = FakeN8n::start(&[]).await;
    let accounts = ["551190000101", "551190000202"];
    let mut clinics = Vec::new();
    for (name, account) in ["Clínica Norte", "Clínica Sul"].iter().zip(accounts) {
        clinics.push(clinic(&app, &fake, name, account).await);
    }
    let (burst_clinic, _) = clinic(&app, &fake, "Clínica Rajada", "551190000303").await;

    let url = app.db.url.clone();
    // 20 deliveries per account in a burst, across all nodes together.
    let served = [("ATENDE_WEBHOOK_RATE_PER_ACCOUNT", "0.01/s,20")];
    let (a, b) = tokio::join!(serve(&url, &served), serve(&url, &served));
    // Short leases and retries; two dispatch slots per worker (and two running jobs per clinic
    // across workers), so both workers hold jobs at once; every clinic's daily sweep is due now.
    let working = [
        ("ATENDE_JOB_LEASE_SECS", "5"),
        ("ATENDE_OUTBOX_BACKOFF", "1"),
        ("ATENDE_OUTBOX_MAX_ATTEMPTS", "20"),
        ("ATENDE_WORKER_DISPATCH", "2,2"),
        ("ATENDE_SNAPSHOT_DAILY_AT", "00:00"),
    ];
    let mut w1 = worker(&url, &working);
    let w2 = worker(&url, &working);
    let nodes = [&a, &b];

    // Inbound: 8 messages per clinic, each delivered to both servers at once (a relay retrying
    // on another node): stored once.
    let deliveries = clinics
        .iter()
        .flat_map(|(_, _)| 0..8)
        .enumerate()
        .map(|(n, i)| {
            let account = accounts[n / 8];
            let message = format!("wamid.{account}.{i}");
            let text = format!("mensagem {i}");
            async move {
                let (x, y) = tokio::join!(
                    relay(nodes[i % 2], account, &message, &text),
                    relay(nodes[(i + 1) % 2], account, &message, &text)
                );
                (message, [x, y])
            }
        });
    for (message, answers) in join_all(deliveries).await {
        for (status, body) in &answers {
            assert_eq!(*status, 200, "{message}: {body}");
        }
        let fresh = answers
            .iter()
            .filter(|(_, body)| body["results"][0]["duplicate"] == false)
            .count();
        assert_eq!(fresh, 1, "{message} stored by exactly one delivery");
    }
    for (clinic, _) in &clinics {
        let stored = app
            .scalar(&format!(
                "SELECT count(*) FROM interactions WHERE company_id = '{}' AND direction = 'inbound'",
                clinic.company_id
            ))
            .await;
        assert_eq!(stored.as_deref(), Some("8"));
    }

    // Replies while n8n fails, then recovers: 6 per clinic, each sent to one server and replayed
    // on the other.
    fake.script(&[500, 503, 500, 502, 500]);
    let mut conversations = Vec::new();
    for (_, admin) in &clinics {
        let threads: Value = on(admin, &a)
            .get("/api/conversations")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(threads["data"].as_array().unwrap().len(), 1, "{threads}");
        conversations.push(threads["data"][0]["id"].as_str().unwrap().to_owned());
    }
    let mut replies: BTreeSet<String> = BTreeSet::new();
    for i in 0..6 {
        for ((_, admin), conversation) in clinics.iter().zip(&conversations) {
            let nodes = if i % 2 == 0 { [&a, &b] } else { [&b, &a] };
            let key = format!("resposta-{conversation}-{i}");
            replies.insert(reply_twice(admin, nodes, conversation, &key).await);
        }
    }

    // n8n stalls; 4 more replies per clinic; once worker 1 holds dispatch jobs in flight, it is
    // killed (SIGKILL), and n8n recovers.
    wait_for(
        &app,
        "the first replies to be sent",
        "SELECT count(*) = 12 FROM interactions WHERE direction = 'outbound' AND status = 'sent'",
        Duration::from_secs(20),
    )
    .await;
    fake.hold();
    for i in 6..10 {
        for ((_, admin), conversation) in clinics.iter().zip(&conversations) {
            let nodes = if i % 2 == 0 { [&a, &b] } else { [&b, &a] };
            let key = format!("resposta-{conversation}-{i}");
            replies.insert(reply_twice(admin, nodes, conversation, &key).await);
        }
    }
    let held_by_w1 = format!(
        "SELECT count(*) > 0 FROM jobs WHERE kind = 'outbound_dispatch' AND status = 'running'
            AND locked_by LIKE '%:{}:%'",
        w1.pid()
    );
    wait_for(
        &app,
        "worker 1 to hold dispatch jobs",
        &held_by_w1,
        Duration::from_secs(15),
    )
    .await;
    let orphaned: Vec<String> = app
        .scalar(&format!(
            "SELECT string_agg(id::text, ',') FROM jobs WHERE kind = 'outbound_dispatch'
                AND status = 'running' AND locked_by LIKE '%:{}:%'",
            w1.pid()
        ))
        .await
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    w1.kill9();
    fake.release();

    // Worker 2 finishes everything, the killed worker's jobs after their lease.
    wait_for(
        &app,
        "every reply to be sent",
        "SELECT count(*) = 0 FROM interactions WHERE direction = 'outbound' AND status <> 'sent'",
        Duration::from_secs(30),
    )
    .await;
    wait_for(
        &app,
        "every job to finish",
        "SELECT count(*) = 0 FROM jobs WHERE status IN ('queued', 'running')
            AND kind IN ('outbound_dispatch', 'snapshot_daily')",
        Duration::from_secs(15),
    )
    .await;
    drop(w2);

    // Every reply is one interaction, sent, with one provider id; one dispatch job each, done.
    assert_eq!(replies.len(), 20);
    let outbound = app
        .scalar(
            "SELECT format('%s/%s/%s', count(*), count(DISTINCT external_id), count(*) FILTER (WHERE status = 'sent'))
               FROM interactions WHERE direction = 'outbound'",
        )
        .await;
    assert_eq!(outbound.as_deref(), Some("20/20/20"));
    let jobs = app
        .scalar(
            "SELECT format('%s/%s/%s', count(*), count(DISTINCT payload), count(*) FILTER (WHERE status = 'done'))
               FROM jobs WHERE kind = 'outbound_dispatch'",
        )
        .await;
    assert_eq!(jobs.as_deref(), Some("20/20/20"));
    for id in &orphaned {
        let job = app
            .scalar(&format!(
                "SELECT format('%s/%s', status, CASE WHEN attempts >= 2 AND (locked_by IS NULL OR locked_by NOT LIKE '%:{}:%')
                                             THEN 'taken over' ELSE 'not taken over' END)
                   FROM jobs WHERE id = '{id}'",
                w1.pid()
            ))
            .await;
        assert_eq!(
            job.as_deref(),
            Some("done/taken over"),
            "job {id} of the killed worker"
        );
    }
    // n8n saw every reply under its own Idempotency-Key (the interaction id), signed; a key seen
    // more than once is a retry (a scripted failure, or the killed worker's call) of one send.
    let seen = fake.seen();
    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    for s in &seen {
        assert!(s.signature_ok);
        let key = s.idempotency_key.clone().unwrap();
        assert_eq!(s.body["interaction_id"], key.as_str());
        *calls.entry(key).or_default() += 1;
    }
    assert_eq!(calls.keys().cloned().collect::<BTreeSet<_>>(), replies);
    let retried: usize = calls.values().map(|n| n - 1).sum();
    assert!(
        retried >= 5,
        "the scripted failures were retried: {calls:?}"
    );

    // Every clinic's daily sweep: queued once for its local day, run once.
    let sweeps = app
        .scalar(
            "SELECT format('%s/%s/%s', (SELECT count(*) FROM companies), count(DISTINCT (company_id, unique_key)),
                           count(*) FILTER (WHERE status = 'done'))
               FROM jobs WHERE kind = 'snapshot_daily'",
        )
        .await
        .unwrap();
    let parts: Vec<&str> = sweeps.split('/').collect();
    assert_eq!(
        parts[1], parts[2],
        "each (clinic, day) run once and done: {sweeps}"
    );
    let duplicated = app
        .scalar(
            "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE kind = 'snapshot_daily'
               GROUP BY company_id, unique_key HAVING count(*) > 1) d",
        )
        .await;
    assert_eq!(duplicated.as_deref(), Some("0"));
    let swept = app
        .scalar(
            "SELECT count(*) FROM companies c WHERE NOT EXISTS
               (SELECT 1 FROM jobs j WHERE j.company_id = c.id AND j.kind = 'snapshot_daily')",
        )
        .await;
    assert_eq!(swept.as_deref(), Some("0"), "every clinic swept: {sweeps}");

    // Shared webhook limit: 15 deliveries to each server for one account (each server alone
    // stays under its burst of 20): 20 pass in total, the 10 others are 429.
    let burst = (0..30).map(|i| {
        let message = format!("wamid.burst.{i}");
        async move { relay(nodes[i % 2], "551190000303", &message, "rajada").await }
    });
    let statuses: Vec<u16> = join_all(burst).await.into_iter().map(|(s, _)| s).collect();
    let passed = statuses.iter().filter(|s| **s == 200).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((passed, limited), (20, 10), "{statuses:?}");
    let stored = app
        .scalar(&format!(
            "SELECT count(*) FROM interactions WHERE company_id = '{}'",
            burst_clinic.company_id
        ))
        .await;
    assert_eq!(stored.as_deref(), Some("20"));

    // Sign-in throttle: five wrong passwords alternating between the servers, then both refuse.
    let victim = &clinics[0].0.staff;
    let browser = app.browser();
    for i in 0..7 {
        let resp = on(&browser, nodes[i % 2])
            .post(
                "/auth/signin",
                json!({"email": victim.email, "password": "not-the-password"}),
            )
            .send()
            .await
            .unwrap();
        let expected = if i < 5 { 401 } else { 429 };
        assert_eq!(resp.status(), expected, "attempt {i}");
    }
}
