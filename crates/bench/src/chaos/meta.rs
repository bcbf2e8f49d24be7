//! Scenario 2: forged (badly signed) Meta deliveries naming as many account ids as fit under the
//! body cap, and naming 50 (the cap on accounts) including every seeded clinic's real one.
//! Measures the scratch database's transactions per request from `pg_stat_database`
//! (`xact_commit + xact_rollback`, read from another database of the cluster), with no worker
//! running, minus what the idle server does in the same time.

use super::Ctx;
use crate::db;
use bench::faults::{BODY_CAP, FaultRow, meta_delivery};
use std::collections::BTreeMap;
use std::time::Duration;

const SCENARIO: &str = "forged Meta deliveries";
/// Requests per variant.
const REQUESTS: u32 = 20;
/// A backend reports its counters at most every second, and within 10 s when idle.
const FLUSH: Duration = Duration::from_secs(11);

async fn transactions(stats: &tokio_postgres::Client, db: &str) -> anyhow::Result<i64> {
    Ok(stats
        .query_one(
            "SELECT (xact_commit + xact_rollback)::bigint FROM pg_stat_database WHERE datname = $1",
            &[&db],
        )
        .await?
        .get(0))
}

/// Sends `REQUESTS` copies of `body`; the answers by status and problem code.
async fn send(ctx: &Ctx, body: &str) -> BTreeMap<String, u32> {
    let mut answers = BTreeMap::new();
    for k in 0..REQUESTS {
        let r = ctx
            .http
            .post(format!("{}/webhooks/whatsapp", ctx.base))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", format!("sha256={}", "0".repeat(64)))
            .header("x-forwarded-for", format!("203.0.113.{}", k + 1))
            .body(body.to_owned())
            .send()
            .await;
        let key = match r {
            Ok(r) => {
                let status = r.status().as_u16();
                let text = r.text().await.unwrap_or_default();
                format!("{status} {}", crate::problem_code(&text))
                    .trim()
                    .to_owned()
            }
            Err(e) => format!("error {}", crate::short(&e.to_string())),
        };
        *answers.entry(key).or_default() += 1;
    }
    answers
}

/// Runs both variants; their rows.
pub async fn run(ctx: &Ctx) -> anyhow::Result<Vec<FaultRow>> {
    let stats = db(&ctx.args.stats_url).await?;
    let scratch: String = ctx
        .db
        .query_one("SELECT current_database()", &[])
        .await?
        .get(0);
    // What the idle server costs in one window (after the sign-ins' counters are flushed).
    tokio::time::sleep(FLUSH).await;
    let idle_from = transactions(&stats, &scratch).await?;
    tokio::time::sleep(FLUSH).await;
    let mut last = transactions(&stats, &scratch).await?;
    let idle = last - idle_from;
    let real: Vec<String> = ctx.clinics.iter().map(|c| c.account_id.clone()).collect();
    let mut rows = Vec::new();
    for limit in [None, Some(50)] {
        let (body, named) = meta_delivery(&real, limit, BODY_CAP - 64);
        let answers = send(ctx, &body).await;
        tokio::time::sleep(FLUSH).await;
        let now = transactions(&stats, &scratch).await?;
        let spent = (now - last - idle).max(0);
        last = now;
        #[allow(clippy::cast_precision_loss)]
        let per_request = spent as f64 / f64::from(REQUESTS);
        let refused = answers
            .keys()
            .all(|k| k.starts_with("401") || k.starts_with("422") || k.starts_with("413"));
        rows.push(FaultRow::new(
            SCENARIO,
            &format!(
                "database transactions per request: {REQUESTS} unsigned deliveries naming {named} accounts ({} KiB; answers {answers:?}; idle server: {idle} per {} s, subtracted)",
                body.len() / 1024,
                FLUSH.as_secs()
            ),
            format!("{per_request:.2}"),
            "≤ 2, all refused (4xx)",
            per_request <= 2.0 && refused,
        ));
    }
    Ok(rows)
}
