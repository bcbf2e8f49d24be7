//! The five frontend reads of `just bench` (issue 11): the ids and search terms each clinic's
//! requests pick from, and a pass of concurrent clients — over the five routes at random, or over
//! one route only (its capacity against its pgbench limit, `limits.rs`), back to back or paced.

use crate::{Args, Clinic, problem_code, short};
use bench::{Latencies, Rng};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Default, Clone)]
pub(crate) struct Samples {
    pub(crate) conversations: Vec<String>,
    pub(crate) clients: Vec<String>,
    pub(crate) searches: Vec<String>,
}

/// Pins the tenant for the following statements of this session (RLS holds for any owner).
pub(crate) async fn pin(db: &tokio_postgres::Client, company: &str) -> anyhow::Result<()> {
    db.execute(
        "SELECT set_config('app.company_id', $1, false)",
        &[&company],
    )
    .await?;
    Ok(())
}

pub(crate) async fn samples(db: &tokio_postgres::Client, c: &Clinic) -> anyhow::Result<Samples> {
    pin(db, &c.company_id).await?;
    let co = c.company_id.as_str();
    let texts = |rows: Vec<tokio_postgres::Row>| -> Vec<String> {
        rows.iter()
            .filter_map(|r| r.try_get::<_, String>(0).ok())
            .collect()
    };
    // Recent active threads, the longest threads, and some closed ones.
    let mut conversations = texts(
        db.query(
            "(SELECT id::text FROM conversation_threads WHERE company_id = $1::text::uuid AND status = 'active'
               ORDER BY random() LIMIT 300)
             UNION ALL
             (SELECT conversation_id::text FROM interactions WHERE company_id = $1::text::uuid
               GROUP BY conversation_id ORDER BY count(*) DESC LIMIT 10)
             UNION ALL
             (SELECT id::text FROM conversation_threads WHERE company_id = $1::text::uuid AND status = 'closed'
               ORDER BY random() LIMIT 100)",
            &[&co],
        )
        .await?,
    );
    conversations.dedup();
    let clients = texts(
        db.query(
            "SELECT id::text FROM clients WHERE company_id = $1::text::uuid ORDER BY random() LIMIT 400",
            &[&co],
        )
        .await?,
    );
    // Half partial phone digits (the known seq-scan case), half name fragments.
    let phones = texts(
        db.query(
            "SELECT substr(phone, 6, 6) FROM clients WHERE company_id = $1::text::uuid AND phone IS NOT NULL
              ORDER BY random() LIMIT 200",
            &[&co],
        )
        .await?,
    );
    let mut searches = phones;
    for name in [
        "maria",
        "silva",
        "joao",
        "santos",
        "ana",
        "oliveira",
        "souza",
        "costa",
        "lucas",
        "fernanda",
        "gabriela",
        "pereira",
        "carvalho",
        "rocha",
        "mendes",
        "paciente12",
        "pac_7",
        "bruno",
        "juliana",
        "ribeiro",
    ] {
        for _ in 0..10 {
            searches.push(name.to_owned());
        }
    }
    Ok(Samples {
        conversations,
        clients,
        searches,
    })
}

/// How a read client sends: paced (one request every `pace`) or back to back, over every route
/// or one (`only`, an index into [`ENDPOINTS`]).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Load {
    /// One request every this long; `None`: back to back.
    pub(crate) pace: Option<Duration>,
    /// One route only; `None`: each request picks one at random.
    pub(crate) only: Option<usize>,
}

pub(crate) const ENDPOINTS: [&str; 5] = [
    "GET /api/inbox/summary",
    "GET /api/summary/home",
    "GET /api/clients?q=",
    "GET /api/clients/{id}/profile",
    "GET /api/conversations/{id}",
];

#[derive(Debug, Default)]
pub(crate) struct ReadResult {
    pub(crate) latencies: Vec<Latencies>,
    pub(crate) errors: BTreeMap<String, u64>,
}

pub(crate) async fn reads(
    http: reqwest::Client,
    base: Arc<str>,
    clinics: Arc<Vec<Clinic>>,
    samples: Arc<Vec<Samples>>,
    worker: u32,
    until: Instant,
    load: Load,
) -> ReadResult {
    let Load { pace, only } = load;
    let mut rng = Rng::new(0xBEEF_0000 + u64::from(worker) * 104_729);
    let mut out = ReadResult {
        latencies: vec![Latencies::default(); ENDPOINTS.len()],
        ..ReadResult::default()
    };
    let pick = |rng: &mut Rng, v: &[String]| -> String {
        v.get(usize::try_from(rng.below(v.len() as u64)).unwrap_or(0))
            .cloned()
            .unwrap_or_default()
    };
    // Paced: one request every `pace`, from a random offset (a receptionist refreshing); a late
    // request is sent at once and the schedule moves on (no bursts to catch up).
    let mut next = Instant::now()
        + pace.map_or(Duration::ZERO, |p| {
            Duration::from_micros(rng.below(u64::try_from(p.as_micros()).unwrap_or(1).max(1)))
        });
    while Instant::now() < until {
        if let Some(p) = pace {
            let now = Instant::now();
            if next > now {
                tokio::time::sleep(next - now).await;
            }
            next = next.max(Instant::now() - p) + p;
            if Instant::now() >= until {
                break;
            }
        }
        let ci = usize::try_from(rng.below(clinics.len() as u64)).unwrap_or(0);
        let s = &samples[ci];
        let e =
            only.unwrap_or_else(|| usize::try_from(rng.below(ENDPOINTS.len() as u64)).unwrap_or(0));
        let path = match e {
            0 => "/api/inbox/summary".to_owned(),
            1 => "/api/summary/home".to_owned(),
            2 => format!("/api/clients?q={}", pick(&mut rng, &s.searches)),
            3 => format!("/api/clients/{}/profile", pick(&mut rng, &s.clients)),
            _ => format!("/api/conversations/{}", pick(&mut rng, &s.conversations)),
        };
        let started = Instant::now();
        let resp = http
            .get(format!("{base}{path}"))
            .bearer_auth(&clinics[ci].token)
            .send()
            .await;
        let ok = match resp {
            Ok(r) => {
                let status = r.status();
                let body = r.bytes().await;
                match body {
                    Ok(_) if status.is_success() => Ok(()),
                    Ok(b) => Err(format!(
                        "{} {status} {}",
                        ENDPOINTS[e],
                        problem_code(&String::from_utf8_lossy(&b))
                    )),
                    Err(err) => Err(format!(
                        "{} body: {}",
                        ENDPOINTS[e],
                        short(&err.to_string())
                    )),
                }
            }
            Err(err) => Err(format!(
                "{} send: {}",
                ENDPOINTS[e],
                short(&err.to_string())
            )),
        };
        let elapsed = started.elapsed();
        match ok {
            Ok(()) => out.latencies[e].push(elapsed),
            Err(msg) => *out.errors.entry(msg).or_default() += 1,
        }
    }
    out
}

pub(crate) struct ReadPass {
    pub(crate) latencies: Vec<Latencies>,
    pub(crate) errors: BTreeMap<String, u64>,
    pub(crate) secs: f64,
}

pub(crate) async fn read_pass(
    args: &Args,
    http: &reqwest::Client,
    base: &Arc<str>,
    clinics: &Arc<Vec<Clinic>>,
    samples: &Arc<Vec<Samples>>,
    pace: Option<Duration>,
    only: Option<usize>,
) -> anyhow::Result<ReadPass> {
    eprintln!(
        "reads: {} clients for {} s, {}…",
        args.read_concurrency,
        args.read_secs,
        pace.map_or("back to back".to_owned(), |p| format!(
            "one request every {} ms each",
            p.as_millis()
        ))
    );
    let started = Instant::now();
    let until = started + Duration::from_secs(args.read_secs);
    let mut tasks = Vec::new();
    for w in 0..args.read_concurrency {
        tasks.push(tokio::spawn(reads(
            http.clone(),
            base.clone(),
            clinics.clone(),
            samples.clone(),
            u32::try_from(w).unwrap_or(0),
            until,
            Load { pace, only },
        )));
    }
    let mut pass = ReadPass {
        latencies: vec![Latencies::default(); ENDPOINTS.len()],
        errors: BTreeMap::new(),
        secs: 0.0,
    };
    for t in tasks {
        let r = t.await?;
        for (acc, l) in pass.latencies.iter_mut().zip(r.latencies) {
            acc.merge(l);
        }
        for (k, v) in r.errors {
            *pass.errors.entry(k).or_default() += v;
        }
    }
    pass.secs = started.elapsed().as_secs_f64();
    Ok(pass)
}
