//! Scenario 1: `--burst` concurrent bogus sign-ins (wrong passwords for real accounts, each from
//! its own address, as a botnet behind the trusted proxy would), while legitimate members sign in
//! (following `Retry-After` like a browser would). Measures the server's peak RSS and the time a
//! legitimate member takes to get signed in.

use super::Ctx;
use bench::faults::FaultRow;
use bench::parse_vm_hwm_kb;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SCENARIO: &str = "2,000 bogus sign-ins";

/// One legitimate sign-in: total time to success and the attempts it took.
async fn legitimate(
    ctx: &Ctx,
    after: Duration,
    address: String,
) -> (Option<Duration>, u32, Vec<u16>) {
    tokio::time::sleep(after).await;
    let started = Instant::now();
    let mut attempts = 0;
    let mut statuses = Vec::new();
    while started.elapsed() < Duration::from_secs(30) {
        attempts += 1;
        let resp = ctx
            .http
            .post(format!("{}/auth/signin", ctx.base))
            .header("x-forwarded-for", &address)
            .json(
                &serde_json::json!({"email": ctx.admin_emails[super::B], "password": ctx.password}),
            )
            .send()
            .await;
        let Ok(r) = resp else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        let status = r.status();
        statuses.push(status.as_u16());
        if status.is_success() {
            return (Some(started.elapsed()), attempts, statuses);
        }
        let wait = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1);
        tokio::time::sleep(Duration::from_secs(wait.min(5))).await;
    }
    (None, attempts, statuses)
}

fn rss_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    if field == "VmHWM:" {
        return parse_vm_hwm_kb(&status);
    }
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

/// Runs the burst; its rows.
pub async fn burst(ctx: &Ctx) -> anyhow::Result<Vec<FaultRow>> {
    let pid = ctx.args.server_pid;
    let before_kb = rss_kb(pid, "VmRSS:").unwrap_or(0);
    // Its own client: thousands of connections at once.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(0)
        .build()?;
    let emails = ctx.admin_emails.clone();
    let started = Instant::now();
    let mut bogus = Vec::with_capacity(ctx.args.burst);
    for i in 0..ctx.args.burst {
        let http = http.clone();
        let url = format!("{}/auth/signin", ctx.base);
        let email = emails[i % emails.len()].clone();
        let address = format!(
            "10.{}.{}.{}",
            (i >> 16) & 255,
            (i >> 8) & 255,
            (i & 255).max(1)
        );
        bogus.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = http
                .post(url)
                .header("x-forwarded-for", address)
                .json(&serde_json::json!({"email": email, "password": format!("wrong-password-{i:08}")}))
                .send()
                .await;
            let code = match r {
                Ok(r) => {
                    let s = r.status().as_u16().to_string();
                    let _ = r.bytes().await;
                    s
                }
                Err(e) if e.is_timeout() => "timeout".to_owned(),
                Err(e) if e.is_connect() => "connect error".to_owned(),
                Err(_) => "error".to_owned(),
            };
            (code, t.elapsed())
        }));
    }
    // Legitimate members sign in during the burst, from their own addresses.
    let legit = [50_u64, 250, 500, 1000, 2000]
        .into_iter()
        .enumerate()
        .map(|(k, ms)| {
            legitimate(
                ctx,
                Duration::from_millis(ms),
                format!("192.0.2.{}", k + 10),
            )
        });
    let legit = futures_util::future::join_all(legit).await;
    let mut answers: BTreeMap<String, u64> = BTreeMap::new();
    let mut slowest = Duration::ZERO;
    for t in bogus {
        let (code, took) = t.await?;
        *answers.entry(code).or_default() += 1;
        slowest = slowest.max(took);
    }
    let burst_secs = started.elapsed().as_secs_f64();
    let hwm_kb = rss_kb(pid, "VmHWM:").unwrap_or(0);
    #[allow(clippy::cast_precision_loss)]
    let mb = |kb: u64| kb as f64 / 1024.0;
    let worst = legit.iter().map(|(d, _, _)| *d).collect::<Vec<_>>();
    let all_ok = worst.iter().all(Option::is_some);
    let worst_secs = worst
        .iter()
        .map(|d| d.map_or(f64::INFINITY, |d| d.as_secs_f64()))
        .fold(0.0, f64::max);
    let detail = legit
        .iter()
        .map(|(d, n, s)| {
            format!(
                "{} ({n} attempt{}: {s:?})",
                d.map_or("never".to_owned(), |d| format!("{:.2} s", d.as_secs_f64())),
                if *n == 1 { "" } else { "s" }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(vec![
        FaultRow::new(
            SCENARIO,
            &format!("server peak RSS (VmHWM; {:.0} MB before)", mb(before_kb)),
            format!("{:.1} MB", mb(hwm_kb)),
            "≤ 150 MB",
            mb(hwm_kb) <= 150.0,
        ),
        FaultRow::new(
            SCENARIO,
            &format!(
                "a legitimate sign-in during the burst, worst of 5 (following Retry-After): {detail}"
            ),
            if all_ok {
                format!("{worst_secs:.2} s")
            } else {
                "never".to_owned()
            },
            "≤ 2 s",
            all_ok && worst_secs <= 2.0,
        ),
        FaultRow::info(
            SCENARIO,
            &format!(
                "answers to the bogus sign-ins (all answered within {:.1} s; burst {burst_secs:.1} s)",
                slowest.as_secs_f64()
            ),
            format!("{answers:?}").replace('"', ""),
        ),
    ])
}
