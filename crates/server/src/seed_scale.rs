//! `atende seed --scale`: the benchmark dataset of issue 11 (`just bench`, `docs/performance.md`).
//!
//! Ten clinics, each with 10,000 clients, 30,000 threads (3,000 active) and 200,000 messages,
//! 10,000 appointments (some no-shows) and their payments, built with bulk SQL
//! (`scripts/bench/seed_scale.sql`: `generate_series`, `INSERT … SELECT`) in one transaction per
//! clinic, two clinics at a time, then `VACUUM (ANALYZE)`. `--scale-factor F` scales every count (0.01 makes
//! one clinic with 100 clients). Each clinic then gets, through the app's own use cases, an active
//! WhatsApp relay integration with a fresh webhook secret and a staff API token: the load
//! generator's credentials, printed once as JSON on stdout (bench-only clinics; never logged).

use crate::config::{Config, Environment};
use crate::wiring;
use anyhow::{Context, bail};
use diesel_async::SimpleAsyncConnection;
use domain::auth::{AuthMethod, Principal, Role};
use domain::integrations::{IntegrationSecrets, Provider};
use domain::{CompanyId, UserId};
use infra_crypto::SecretBox;
use infra_crypto::secret_cipher::BoxCipher;
use infra_postgres::Database;
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

/// The bulk SQL of one clinic.
const CLINIC_SQL: &str = include_str!("../../../scripts/bench/seed_scale.sql");

/// How many clinics are seeded at once (one connection each).
const PARALLEL_CLINICS: usize = 2;

/// The counts of a scale dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScaleSize {
    /// Clinics.
    pub clinics: u32,
    /// Clients per clinic (each with three threads).
    pub clients: u32,
    /// Active threads per clinic.
    pub active: u32,
    /// Messages per clinic.
    pub interactions: u32,
    /// Appointments per clinic.
    pub appointments: u32,
}

impl ScaleSize {
    /// The full dataset (factor 1): 10 clinics × 10,000 clients, 30,000 threads (3,000 active),
    /// 200,000 messages and 10,000 appointments.
    pub const FULL: Self = Self {
        clinics: 10,
        clients: 10_000,
        active: 3_000,
        interactions: 200_000,
        appointments: 10_000,
    };

    /// The dataset of `--scale-factor F`: every per-clinic count of [`ScaleSize::FULL`] times `F`
    /// (at least 20 clients, 10 active threads, five messages per client, so that every thread gets
    /// one after the long ones took their 19 %, and 48 appointments)
    /// in `⌈10 F⌉` clinics (1 to 10): 0.01 makes one clinic with 100 clients, 1 the full dataset.
    ///
    /// # Errors
    /// When `factor` is not in `(0, 10]`.
    pub fn from_factor(factor: f64) -> anyhow::Result<Self> {
        if !(factor > 0.0 && factor <= 10.0) {
            bail!("--scale-factor must be greater than 0 and at most 10");
        }
        let scale = |full: u32, min: u32| -> u32 {
            let v = (f64::from(full) * factor).round();
            // In range: factor <= 10, so the product fits in u32.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let v = v as u32;
            v.max(min)
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let clinics = ((factor * 10.0).ceil() as u32).clamp(1, 10);
        let clients = scale(Self::FULL.clients, 20);
        Ok(Self {
            clinics,
            clients,
            active: scale(Self::FULL.active, 10).min(clients),
            interactions: scale(Self::FULL.interactions, 200).max(clients * 5),
            appointments: scale(Self::FULL.appointments, 48),
        })
    }
}

/// One seeded clinic and the load generator's credentials for it.
#[derive(Debug, Clone)]
pub struct SeededClinic {
    /// 1, 2, …
    pub number: u32,
    /// The clinic's id.
    pub company_id: Uuid,
    /// `Bench Clinic NN`.
    pub name: String,
    /// The admin's id (the creator of the token and the integration).
    pub admin_id: Uuid,
    /// The admin's e-mail (`admin.N@bench.atende.test`).
    pub admin_email: String,
    /// The relay integration's account id (`bench-pn-NN`).
    pub account_id: String,
    /// The relay integration's webhook secret.
    pub webhook_secret: String,
    /// A staff API token (`atk_…`) for the reads.
    pub api_token: String,
}

/// What `seed --scale` made.
#[derive(Debug, Clone)]
pub struct ScaleSeed {
    /// The counts used.
    pub size: ScaleSize,
    /// The clinics, in order.
    pub clinics: Vec<SeededClinic>,
    /// The password of every bench member (`admin.N@…`, `recepcao1.N@…`, …).
    pub member_password: String,
    /// Seconds spent in the bulk SQL (all clinics).
    pub bulk_secs: f64,
    /// Seconds spent in `VACUUM (ANALYZE)`.
    pub analyze_secs: f64,
}

impl ScaleSeed {
    /// The credentials as the JSON document `atende-bench` reads.
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": "atende-bench-credentials",
            "size": {
                "clinics": self.size.clinics,
                "clients_per_clinic": self.size.clients,
                "active_threads_per_clinic": self.size.active,
                "threads_per_clinic": self.size.clients * 3,
                "interactions_per_clinic": self.size.interactions,
                "appointments_per_clinic": self.size.appointments,
            },
            "member_password": self.member_password,
            "bulk_secs": self.bulk_secs,
            "analyze_secs": self.analyze_secs,
            "clinics": self.clinics.iter().map(|c| serde_json::json!({
                "number": c.number,
                "company_id": c.company_id,
                "name": c.name,
                "admin_email": c.admin_email,
                "provider": "whatsapp",
                "account_id": c.account_id,
                "webhook_secret": c.webhook_secret,
                "api_token": c.api_token,
            })).collect::<Vec<_>>(),
        })
    }
}

/// `atende seed --scale [--scale-factor F]`: seeds and prints the credentials as JSON.
///
/// # Errors
/// When refused in production, the database already holds bench clinics, or anything fails.
pub async fn command(config: &Config, factor: f64, force: bool) -> anyhow::Result<()> {
    if config.env == Environment::Production && !force {
        bail!(
            "refusing to seed the benchmark dataset with ATENDE_ENV=production (pass --force to do it anyway)"
        );
    }
    let size = ScaleSize::from_factor(factor)?;
    let (keys, _) = crate::master_key::for_process(config)?;
    let db = wiring::database(config)?;
    let started = Instant::now();
    let seeded = run(
        config.migration_database_url.expose_secret(),
        &db,
        keys,
        size,
    )
    .await?;
    eprintln!(
        "seeded {} clinic(s) × {} clients, {} threads, {} messages in {:.1} s (bulk {:.1} s, vacuum + analyze {:.1} s)",
        size.clinics,
        size.clients,
        size.clients * 3,
        size.interactions,
        started.elapsed().as_secs_f64(),
        seeded.bulk_secs,
        seeded.analyze_secs
    );
    println!("{}", seeded.to_json());
    Ok(())
}

/// Seeds `size` into the database at `owner_url` (bulk SQL as the owner), then creates each
/// clinic's relay integration (secrets sealed with `keys`) and API token through `db`.
///
/// # Errors
/// When the database already holds bench clinics, or anything fails.
pub async fn run(
    owner_url: &str,
    db: &Database,
    keys: SecretBox,
    size: ScaleSize,
) -> anyhow::Result<ScaleSeed> {
    let mut owner = infra_postgres::connect::establish(owner_url)
        .await
        .context("connecting as the owner")?;
    // A clean refusal instead of a unique violation half-way.
    owner
        .batch_execute(
            "DO $$ BEGIN
                IF EXISTS (SELECT 1 FROM public.auth_identities WHERE email LIKE '%@bench.atende.test') THEN
                    RAISE EXCEPTION 'this database already holds the benchmark dataset (use a fresh database)';
                END IF;
             END $$",
        )
        .await
        .context("checking for an earlier benchmark dataset")?;

    let password = infra_crypto::token::generate("bench_").context("making the password")?;
    let hash = infra_crypto::password::PasswordHasher::new()
        .hash(&password)
        .context("hashing the members' password")?;

    let bulk = Instant::now();
    let numbers: Vec<u32> = (1..=size.clinics).collect();
    let mut clinics = Vec::with_capacity(numbers.len());
    for chunk in numbers.chunks(PARALLEL_CLINICS) {
        let jobs = chunk.iter().map(|&n| {
            let url = owner_url.to_owned();
            let hash = hash.clone();
            tokio::spawn(async move { seed_clinic(&url, n, size, &hash).await })
        });
        for joined in futures_util::future::join_all(jobs).await {
            clinics.push(joined.context("a seeding task panicked")??);
        }
    }
    let bulk_secs = bulk.elapsed().as_secs_f64();
    let analyzed = Instant::now();
    // VACUUM as well: a long-lived database has its visibility map set by autovacuum, so counts
    // over the active threads are index-only scans there, as they are here.
    owner
        .batch_execute("VACUUM (ANALYZE)")
        .await
        .context("VACUUM (ANALYZE)")?;
    let analyze_secs = analyzed.elapsed().as_secs_f64();

    let integrations = wiring::integrations(db, Arc::new(BoxCipher::new(keys)));
    let deps = wiring::deps(db, &crate::config::AuthSettings::default());
    let mut seeded = Vec::with_capacity(clinics.len());
    for (number, company_id, admin_id) in clinics {
        let caller = Principal {
            company_id: CompanyId(company_id),
            user_id: Some(UserId(admin_id)),
            auth_user_id: None,
            role: Role::Admin,
            method: AuthMethod::Session,
        };
        let account_id = format!("bench-pn-{number:02}");
        let webhook_secret =
            infra_crypto::token::generate("whsec_").context("making a webhook secret")?;
        integrations
            .create(
                caller,
                app::integrations::CreateIntegration {
                    provider: Provider::Whatsapp,
                    account_id: account_id.clone(),
                    config: serde_json::json!({}),
                    secrets: IntegrationSecrets {
                        webhook_secret: Some(webhook_secret.clone()),
                        ..IntegrationSecrets::default()
                    },
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("creating the relay integration: {e:?}"))?;
        let token = app::api_tokens::create_api_token(
            &deps,
            caller,
            "atende-bench".to_owned(),
            Role::Staff,
        )
        .await
        .map_err(|e| anyhow::anyhow!("creating the API token: {e:?}"))?;
        seeded.push(SeededClinic {
            number,
            company_id,
            name: format!("Bench Clinic {number:02}"),
            admin_id,
            admin_email: format!("admin.{number}@bench.atende.test"),
            account_id,
            webhook_secret,
            api_token: token.token,
        });
    }
    Ok(ScaleSeed {
        size,
        clinics: seeded,
        member_password: password,
        bulk_secs,
        analyze_secs,
    })
}

/// The id `pg_temp.bid(clinic, kind, a, b)` of `scripts/bench/seed_scale.sql`: deterministic
/// and ordered (clinic, kind, a, b), so bulk inserts append to the b-trees. Kinds: 0 clinic,
/// 1 sign-in identity, 2 member (0 the admin), 3 service, 4 client, 5 channel identity, 6 thread,
/// 7 message, 8 appointment.
#[must_use]
pub fn bench_id(clinic: u32, kind: u16, a: u32, b: u64) -> Uuid {
    let hex = format!("{clinic:08x}{kind:04x}7{a:07x}8{b:011x}");
    Uuid::try_parse(&hex).unwrap_or_default()
}

/// The ids of clinic `n` and of its admin.
#[must_use]
pub fn clinic_ids(n: u32) -> (Uuid, Uuid) {
    (bench_id(n, 0, 0, 0), bench_id(n, 2, 0, 0))
}

async fn seed_clinic(
    owner_url: &str,
    n: u32,
    size: ScaleSize,
    hash: &str,
) -> anyhow::Result<(u32, Uuid, Uuid)> {
    let (company, admin) = clinic_ids(n);
    let mut conn = infra_postgres::connect::establish(owner_url)
        .await
        .context("connecting as the owner")?;
    let started = Instant::now();
    // Parameters travel as settings of the transaction; the hash is the only free text and is
    // quoted as a literal (it never contains a quote, but quote it anyway).
    let params = format!(
        "SET synchronous_commit = off;
         BEGIN;
         SELECT set_config('app.company_id', '{company}', true),
                set_config('bench.company_id', '{company}', true),
                set_config('bench.clinic_no', '{n}', true),
                set_config('bench.clients', '{}', true),
                set_config('bench.active', '{}', true),
                set_config('bench.interactions', '{}', true),
                set_config('bench.appointments', '{}', true),
                set_config('bench.password_hash', '{}', true);",
        size.clients,
        size.active,
        size.interactions,
        size.appointments,
        hash.replace('\'', "''"),
    );
    let script = format!("{params}\n{CLINIC_SQL}\nCOMMIT;");
    if let Err(e) = conn.batch_execute(&script).await {
        let _ = conn.batch_execute("ROLLBACK").await;
        return Err(e).with_context(|| format!("seeding clinic {n}"));
    }
    eprintln!(
        "clinic {n:02}: {} clients, {} threads, {} messages in {:.1} s",
        size.clients,
        size.clients * 3,
        size.interactions,
        started.elapsed().as_secs_f64()
    );
    Ok((n, company, admin))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_full_size_is_the_issues_dataset() {
        let s = ScaleSize::from_factor(1.0).unwrap();
        assert_eq!(s, ScaleSize::FULL);
        assert_eq!(s.clinics * s.interactions, 2_000_000);
        assert_eq!(s.clinics * s.clients * 3, 300_000);
    }

    #[test]
    fn a_tiny_factor_makes_one_small_clinic() {
        let s = ScaleSize::from_factor(0.01).unwrap();
        assert_eq!(
            s,
            ScaleSize {
                clinics: 1,
                clients: 100,
                active: 30,
                interactions: 2_000,
                appointments: 100,
            }
        );
        assert!(ScaleSize::from_factor(0.0).is_err());
        assert!(ScaleSize::from_factor(f64::NAN).is_err());
        assert!(ScaleSize::from_factor(11.0).is_err());
    }

    #[test]
    fn clinic_ids_match_the_sql_layout() {
        let (company, admin) = clinic_ids(3);
        assert_eq!(company.to_string(), "00000003-0000-7000-0000-800000000000");
        assert_eq!(admin.to_string(), "00000003-0002-7000-0000-800000000000");
        assert_eq!(
            bench_id(1, 6, 3, 0).to_string(),
            "00000001-0006-7000-0003-800000000000"
        );
    }
}
