//! The "reports" row of `just bench`: `GET /api/reports/overview` for a 90-day period (the
//! clinic's numbers, issue 21, `docs/reports.md`), signed in as each clinic's admin (the report is
//! admin only), a few clients back to back (reports are occasional reads, not a stream).
//! Target: p95 ≤ 200 ms.

use anyhow::{Context, bail};
use bench::Row;
use std::path::Path;
use std::sync::Arc;

/// Days in the measured period (today included).
const PERIOD_DAYS: i64 = 90;
/// The target, in milliseconds.
const TARGET_P95_MS: f64 = 200.0;

/// Signs in as every clinic's admin (`member_password` and `clinics[].admin_email` of the
/// credentials) and returns each session cookie (`name=value`).
async fn admin_cookies(
    http: &reqwest::Client,
    base: &str,
    creds: &Path,
) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(creds).with_context(|| format!("reading {}", creds.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).context("parsing the credentials")?;
    let password = v["member_password"]
        .as_str()
        .context("member_password")?
        .to_owned();
    let mut cookies = Vec::new();
    for c in v["clinics"].as_array().context("clinics")? {
        let email = c["admin_email"].as_str().context("clinics[].admin_email")?;
        let resp = http
            .post(format!("{base}/auth/signin"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .context("signing in")?;
        if !resp.status().is_success() {
            bail!("signing in as {email}: {}", resp.status());
        }
        let cookie = resp
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
            .find(|h| h.contains("atende_session="))
            .and_then(|h| h.split(';').next())
            .context("the sign-in set no session cookie")?
            .to_owned();
        cookies.push(cookie);
    }
    if cookies.is_empty() {
        bail!("the credentials name no clinic");
    }
    Ok(cookies)
}

/// Requests the overview of the last [`PERIOD_DAYS`] days from `concurrency` clients for `secs`
/// seconds, cycling through the clinics, and returns the row.
///
/// # Errors
/// When signing in fails.
pub async fn measure(
    http: &reqwest::Client,
    base: &str,
    creds: &Path,
    secs: u64,
    concurrency: usize,
) -> anyhow::Result<Row> {
    let cookies = admin_cookies(http, base, creds).await?;
    let today = chrono::Utc::now().date_naive();
    let from = today - chrono::Duration::days(PERIOD_DAYS - 1);
    let url = format!("{base}/api/reports/overview?from={from}&to={today}");
    eprintln!("reports: {concurrency} clients for {secs} s on {url}…");
    let http = http.clone();
    let make: crate::load::MakeRequest = Arc::new(move |w, n, _| {
        http.get(&url)
            .header("cookie", &cookies[(w + n) % cookies.len()])
    });
    Ok(crate::load::back_to_back(concurrency, secs, 0, make)
        .await?
        .row(
            format!(
                "report: GET /api/reports/overview, {PERIOD_DAYS} days, as admin ({concurrency} clients, back to back)"
            ),
            TARGET_P95_MS,
        ))
}
