//! Issue #18's first Done-when with real processes: two `atende serve` on one database. An event
//! caused on node A (a signed relay webhook posted to A) arrives on a stream held on node B, in
//! order and exactly once; a reconnect to B with `Last-Event-ID` after a gap receives the missed
//! events and no duplicates; a member of another clinic, streaming from either node, receives
//! none.

use crate::events::{Sse, SseEvent};
use crate::process_support::{Proc, serve};
use crate::support::{Session, TestApp};
use serde_json::json;
use std::time::Duration;

const SECRET: &str = "whsec_processes_0123456789abcdef";
const ACCOUNT: &str = "5511900002222";

async fn relay_to(node: &Proc, message_id: &str, text: &str) {
    let body = serde_json::to_vec(&json!({
        "account_id": ACCOUNT, "message_id": message_id,
        "from": {"id": "5511987650042", "name": "Paciente"},
        "type": "text", "text": text, "timestamp": chrono::Utc::now().timestamp()
    }))
    .unwrap();
    let t = chrono::Utc::now().timestamp();
    let resp = reqwest::Client::new()
        .post(format!("{}/webhooks/whatsapp", node.base))
        .header("content-type", "application/json")
        .header(
            "X-Atende-Signature",
            infra_crypto::webhook::sign(SECRET.as_bytes(), t, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

/// `member` signed in on `node` (a browser of its own).
async fn signed_in_on(app: &TestApp, node: &Proc, member: &crate::support::Member) -> Session {
    let mut session = app.browser();
    session.base.clone_from(&node.base);
    let resp = session
        .post(
            "/auth/signin",
            json!({"email": member.email, "password": member.password}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
    session
}

fn text(e: &SseEvent) -> String {
    assert_eq!(e.event, "message.created", "{e:?}");
    e.data["message"]["text"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_event_posted_to_one_process_reaches_a_stream_on_another_once_in_order_and_resumes() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Processos").await;
    let other = app.clinic("Clínica Alheia").await;
    let (a, b) = tokio::join!(serve(&app.db.url, &[]), serve(&app.db.url, &[]));
    let admin_a = signed_in_on(&app, &a, &clinic.admin).await;
    let resp = admin_a
        .post(
            "/api/integrations",
            json!({"provider": "whatsapp", "account_id": ACCOUNT, "config": {},
                   "secrets": {"webhook_secret": SECRET}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());

    // The clinic's staff streams from node B; the other clinic's admin from both nodes.
    let staff_b = signed_in_on(&app, &b, &clinic.staff).await;
    let mut stream = Sse::open(&staff_b, "", None).await;
    let ready = stream.expect().await;
    assert_eq!(ready.event, "ready");
    let foreign_b = signed_in_on(&app, &b, &other.admin).await;
    let mut foreign = vec![Sse::open(&foreign_b, "", None).await];
    let foreign_a = signed_in_on(&app, &a, &other.admin).await;
    foreign.push(Sse::open(&foreign_a, "", None).await);
    for f in &mut foreign {
        assert_eq!(f.expect().await.event, "ready");
    }

    // Three messages posted to A: on B, every event of each, in order, once.
    for (n, t) in ["um", "dois", "três"].iter().enumerate() {
        relay_to(&a, &format!("wamid.P{n}"), t).await;
    }
    let mut seen = Vec::new();
    while seen
        .iter()
        .filter(|e: &&SseEvent| e.event == "message.created")
        .count()
        < 3
    {
        seen.push(stream.expect().await);
    }
    // The last message's conversation.updated follows its message.created.
    seen.push(stream.expect().await);
    assert!(stream.next(Duration::from_millis(700)).await.is_none());
    let ids: Vec<i64> = seen.iter().map(|e| e.id.unwrap()).collect();
    assert_eq!(
        ids,
        (ready.id.unwrap() + 1..=ready.id.unwrap() + ids.len() as i64).collect::<Vec<_>>(),
        "consecutive ids, none missing or repeated: {seen:?}"
    );
    let created: Vec<String> = seen
        .iter()
        .filter(|e| e.event == "message.created")
        .map(text)
        .collect();
    assert_eq!(created, ["um", "dois", "três"]);
    assert_eq!(seen[0].event, "client.created");
    assert_eq!(seen.last().unwrap().event, "conversation.updated");
    assert_eq!(seen.last().unwrap().data["conversation"]["unread_count"], 3);
    let last = ids[ids.len() - 1];
    drop(stream);

    // A gap: two more posted to A while nobody streams; B resumes after the last id it sent.
    relay_to(&a, "wamid.P3", "quatro").await;
    relay_to(&a, "wamid.P4", "cinco").await;
    let mut again = Sse::open(&staff_b, "?types=message.created", Some(last)).await;
    assert_eq!(again.expect().await.event, "ready");
    let missed = [again.expect().await, again.expect().await];
    assert_eq!(
        missed.iter().map(text).collect::<Vec<_>>(),
        ["quatro", "cinco"]
    );
    relay_to(&a, "wamid.P5", "seis").await;
    let live = again.expect().await;
    assert_eq!(text(&live), "seis");
    assert!(
        again.next(Duration::from_millis(700)).await.is_none(),
        "nothing twice"
    );
    let ids: Vec<i64> = missed
        .iter()
        .chain([&live])
        .map(|e| e.id.unwrap())
        .collect();
    assert!(
        ids[0] > last && ids.windows(2).all(|w| w[0] < w[1]),
        "{ids:?}"
    );

    // The other clinic's member saw nothing of it, on either node.
    for f in &mut foreign {
        assert!(f.next(Duration::from_millis(300)).await.is_none());
    }
}
