//! Scenario 1: `--burst` concurrent bogus sign-ins (wrong passwords for real accounts, each from
//! its own address, as a botnet behind the trusted proxy would), while legitimate members sign in
//! (following `Retry-After` like a browser would). Measures the server's peak RSS and the time a
//! legitimate member takes to get signed in.

use super::Ctx;
use bench::faults::FaultRow;
use bench::{Latencies, parse_vm_hwm_kb};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SCENARIO: &str = "2,000 bogus sign-ins";

/// One legitimate sign-in: total time to success and the attempts it took.
async fn legitimate(
    ctx: &Ctx,
    after: Duration,
    address: String,
    device: Option<String>,
) -> (Option<Duration>, u32, Vec<u16>) {
    tokio::time::sleep(after).await;
    let started = Instant::now();
    let mut attempts = 0;
    let mut statuses = Vec::new();
    while started.elapsed() < Duration::from_secs(30) {
        attempts += 1;
        let mut req = ctx
            .http
            .post(format!("{}/auth/signin", ctx.base))
            .header("x-forwarded-for", &address);
        if let Some(cookie) = &device {
            req = req.header("cookie", cookie);
        }
        let resp = req
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

/// Signs member B in from `address` (before the burst, as the member's browser did some day
/// before) and returns the trusted-device cookie the server set, as `name=value`.
async fn device_cookie(ctx: &Ctx, address: &str) -> anyhow::Result<Option<String>> {
    let resp = ctx
        .http
        .post(format!("{}/auth/signin", ctx.base))
        .header("x-forwarded-for", address)
        .json(&serde_json::json!({"email": ctx.admin_emails[super::B], "password": ctx.password}))
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "member sign-in: {}",
        resp.status()
    );
    Ok(resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("atende_device="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned))
}

/// A numeric field of `/proc/<pid>/status` (kB for the memory ones).
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

/// The answers of one burst: by status, and the latencies of the 401s (a hash ran).
struct Fired {
    tasks: Vec<tokio::task::JoinHandle<(String, Duration)>>,
}

impl Fired {
    async fn answers(self) -> anyhow::Result<(BTreeMap<String, u64>, Latencies, Duration)> {
        let mut answers: BTreeMap<String, u64> = BTreeMap::new();
        let mut hashed = Latencies::default();
        let mut slowest = Duration::ZERO;
        for t in self.tasks {
            let (code, took) = t.await?;
            if code == "401" {
                hashed.push(took);
            }
            *answers.entry(code).or_default() += 1;
            slowest = slowest.max(took);
        }
        Ok((answers, hashed, slowest))
    }
}

/// Sends `n` sign-ins at once, each from its own address; `valid` false sends a malformed body
/// (refused before any hashing: the control measuring what the connections alone cost).
fn fire(ctx: &Ctx, http: &reqwest::Client, n: usize, valid: bool) -> Fired {
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let http = http.clone();
        let url = format!("{}/auth/signin", ctx.base);
        let email = ctx.admin_emails[i % ctx.admin_emails.len()].clone();
        let address = format!(
            "10.{}.{}.{}",
            (i >> 16) & 255,
            (i >> 8) & 255,
            (i & 255).max(1)
        );
        let body = if valid {
            serde_json::json!({"email": email, "password": format!("wrong-password-{i:08}")})
                .to_string()
        } else {
            "{\"email\":".to_owned()
        };
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = http
                .post(url)
                .header("x-forwarded-for", address)
                .header("content-type", "application/json")
                .body(body)
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
    Fired { tasks }
}

/// Runs the bursts (the control, then the bogus sign-ins); their rows.
pub async fn burst(ctx: &Ctx) -> anyhow::Result<Vec<FaultRow>> {
    let pid = ctx.args.server_pid;
    let before_kb = rss_kb(pid, "VmRSS:").unwrap_or(0);
    let threads_before = rss_kb(pid, "Threads:").unwrap_or(0);
    // Its own client: thousands of connections at once.
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .pool_max_idle_per_host(0)
        .build()?;
    // The members' browsers signed in before (they hold trusted-device cookies); two more
    // members sign in from browsers that never did.
    let mut devices = Vec::new();
    for k in 0..5 {
        devices.push(device_cookie(ctx, &format!("192.0.2.{}", k + 10)).await?);
    }
    let (control, _, control_slowest) = fire(ctx, &http, ctx.args.burst, false).answers().await?;
    let control_kb = rss_kb(pid, "VmHWM:").unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let bogus = fire(ctx, &http, ctx.args.burst, true);
    // Legitimate members sign in during the burst, from their own addresses.
    let legit = [50_u64, 250, 500, 1000, 2000]
        .into_iter()
        .zip(devices)
        .enumerate()
        .map(|(k, (ms, device))| {
            legitimate(
                ctx,
                Duration::from_millis(ms),
                format!("192.0.2.{}", k + 10),
                device,
            )
        });
    let first_time = [100_u64, 1000].into_iter().enumerate().map(|(k, ms)| {
        legitimate(
            ctx,
            Duration::from_millis(ms),
            format!("192.0.2.{}", k + 30),
            None,
        )
    });
    let (legit, first_time) = futures_util::future::join(
        futures_util::future::join_all(legit),
        futures_util::future::join_all(first_time),
    )
    .await;
    let (answers, mut hashed, slowest) = bogus.answers().await?;
    let burst_secs = started.elapsed().as_secs_f64();
    let hwm_kb = rss_kb(pid, "VmHWM:").unwrap_or(0);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after_kb = rss_kb(pid, "VmRSS:").unwrap_or(0);
    let threads_after = rss_kb(pid, "Threads:").unwrap_or(0);
    let h = hashed.summary();
    #[allow(clippy::cast_precision_loss)]
    let mb = |kb: u64| kb as f64 / 1024.0;
    let worst = legit.iter().map(|(d, _, _)| *d).collect::<Vec<_>>();
    let all_ok = worst.iter().all(Option::is_some);
    let worst_secs = worst
        .iter()
        .map(|d| d.map_or(f64::INFINITY, |d| d.as_secs_f64()))
        .fold(0.0, f64::max);
    let describe = |runs: &[(Option<Duration>, u32, Vec<u16>)]| {
        runs.iter()
            .map(|(d, n, s)| {
                format!(
                    "{} ({n} attempt{}: {s:?})",
                    d.map_or("never".to_owned(), |d| format!("{:.2} s", d.as_secs_f64())),
                    if *n == 1 { "" } else { "s" }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let detail = describe(&legit);
    let first_time_detail = describe(&first_time);
    Ok(vec![
        FaultRow::new(
            SCENARIO,
            &format!(
                "server peak RSS (VmHWM; {:.0} MB before, {:.0} MB after a control burst of {} malformed sign-ins refused before hashing ({control:?}, all answered within {:.1} s); VmRSS 3 s after the burst {:.0} MB; server threads {threads_before} before, {threads_after} after)",
                mb(before_kb),
                mb(control_kb),
                ctx.args.burst,
                control_slowest.as_secs_f64(),
                mb(after_kb)
            )
            .replace('"', ""),
            format!("{:.1} MB", mb(hwm_kb)),
            "≤ 150 MB",
            mb(hwm_kb) <= 150.0,
        ),
        FaultRow::new(
            SCENARIO,
            &format!(
                "a member's sign-in during the burst from a browser that signed in before (its trusted-device cookie), worst of 5 (following Retry-After): {detail}. From browsers that never signed in (no cookie; not the target): {first_time_detail}"
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
                "answers to the bogus sign-ins (all answered within {:.1} s; burst {burst_secs:.1} s; the {} hashed ones (401) took p50 {:.0} ms, max {:.0} ms)",
                slowest.as_secs_f64(),
                h.count,
                h.p50,
                h.max
            ),
            format!("{answers:?}").replace('"', ""),
        ),
    ])
}
