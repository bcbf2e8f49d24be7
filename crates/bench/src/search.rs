//! The "message search" row of `just bench`: `GET /api/search/messages` (issue 19 item 8,
//! docs/performance.md "Message search") from 16 clients back to back for the read time, each
//! request a random clinic (its staff API token) and a query over the seeded messages'
//! vocabulary (`scripts/bench/seed_scale.sql`): common words, the same without accents,
//! phrases, prefixes, words the dataset lacks, a third of them with a filter (channel, the last
//! 30 days, or one of the clinic's clients). Target: p95 ≤ 50 ms.

use anyhow::{Context, bail};
use bench::{Rng, Row};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

/// The target, in milliseconds.
const TARGET_P95_MS: f64 = 50.0;

/// The queries (as typed; encoded when sent).
const QUERIES: &[&str] = &[
    // Common words of the dataset, accented and not.
    "horário",
    "horario",
    "amanhã",
    "amanha",
    "remarcar",
    "valor",
    "pix",
    "endereço",
    "endereco",
    "cancelar",
    "efeito",
    "avaliação",
    "obrigada",
    "confirmado",
    "preenchimento",
    "estacionamento",
    // Phrases and combinations.
    "\"posso remarcar\"",
    "\"limpeza de pele\"",
    "\"horário amanhã\"",
    "\"aceitam pix\"",
    "remarcar sexta",
    "valor -parcelado",
    "pix or cartão",
    // Prefixes.
    "remarc*",
    "cancel*",
    "confirm*",
    "parcel*",
    "estaci* endereço",
    // Words the dataset lacks (the index answers: nothing).
    "botox",
    "retorno",
];

/// Each clinic's staff API token (`clinics[].api_token` of the credentials).
fn tokens(creds: &Path) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(creds).with_context(|| format!("reading {}", creds.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text).context("parsing the credentials")?;
    let tokens: Vec<String> = v["clinics"]
        .as_array()
        .context("clinics")?
        .iter()
        .filter_map(|c| c["api_token"].as_str().map(str::to_owned))
        .collect();
    if tokens.is_empty() {
        bail!("the credentials name no clinic");
    }
    Ok(tokens)
}

/// A page of client ids of the clinic of `token`, for the client filter.
async fn client_ids(http: &reqwest::Client, base: &str, token: &str) -> Vec<String> {
    let page: Option<serde_json::Value> = match http
        .get(format!("{base}/api/clients?limit=100"))
        .bearer_auth(token)
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => r.json().await.ok(),
        _ => None,
    };
    page.and_then(|p| {
        p["data"].as_array().map(|rows| {
            rows.iter()
                .filter_map(|c| c["id"].as_str().map(str::to_owned))
                .collect()
        })
    })
    .unwrap_or_default()
}

/// `s` as a query string value (UTF-8, everything but unreserved characters percent-encoded).
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One request's path: a query, and a filter one time in three.
fn path(rng: &mut Rng, clients: &[String], thirty_days_ago: &str) -> String {
    let pick = |rng: &mut Rng, n: usize| usize::try_from(rng.below(n as u64)).unwrap_or(0);
    let q = QUERIES[pick(rng, QUERIES.len())];
    let mut path = format!("/api/search/messages?q={}", encode(q));
    match rng.below(6) {
        0 => path.push_str("&channel=whatsapp"),
        1 => {
            let _ = write!(path, "&from={}", encode(thirty_days_ago));
        }
        2 if !clients.is_empty() => {
            let _ = write!(path, "&client_id={}", clients[pick(rng, clients.len())]);
        }
        _ => {}
    }
    path
}

/// Searches from `concurrency` clients for `secs` seconds and returns the row.
///
/// # Errors
/// When the credentials cannot be read.
pub async fn measure(
    http: &reqwest::Client,
    base: &str,
    creds: &Path,
    secs: u64,
    concurrency: usize,
) -> anyhow::Result<Row> {
    let tokens = tokens(creds)?;
    let mut clients = Vec::new();
    for t in &tokens {
        clients.push(client_ids(http, base, t).await);
    }
    let thirty_days_ago = (chrono::Utc::now() - chrono::Duration::days(30)).to_rfc3339();
    eprintln!("search: {concurrency} clients for {secs} s on /api/search/messages…");
    let (http, base) = (http.clone(), base.to_owned());
    let make: crate::load::MakeRequest = Arc::new(move |_, _, rng| {
        let ci = usize::try_from(rng.below(tokens.len() as u64)).unwrap_or(0);
        let path = path(rng, &clients[ci], &thirty_days_ago);
        http.get(format!("{base}{path}")).bearer_auth(&tokens[ci])
    });
    Ok(
        crate::load::back_to_back(concurrency, secs, 0x5EA2_C400, make)
            .await?
            .row(
                format!("read GET /api/search/messages ({concurrency} clients, back to back)"),
                TARGET_P95_MS,
            ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_encoded_for_the_query_string() {
        assert_eq!(
            encode("\"posso ir\" remarc*"),
            "%22posso%20ir%22%20remarc%2A"
        );
        assert_eq!(encode("amanhã"), "amanh%C3%A3");
        let mut rng = Rng::new(1);
        for _ in 0..50 {
            let p = path(&mut rng, &["c1".to_owned()], "2026-01-01T00:00:00+00:00");
            assert!(p.starts_with("/api/search/messages?q="), "{p}");
            assert!(!p.contains(' ') && !p.contains('"'), "{p}");
        }
    }
}
