//! The subcommands' bodies.

use crate::config::{Config, Environment};
use crate::wiring;
use anyhow::{Context, bail};
use secrecy::ExposeSecret;

/// `atende migrate`.
///
/// # Errors
/// When the database is unreachable or a migration fails.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let applied =
        infra_postgres::migrate::run_pending(config.migration_database_url.expose_secret())
            .await
            .context("applying migrations")?;
    if applied.is_empty() {
        println!("database is up to date");
    } else {
        for version in &applied {
            println!("applied migration {version}");
        }
        println!("{} migration(s) applied", applied.len());
    }
    Ok(())
}

/// `atende seed --demo`.
///
/// # Errors
/// When refused in production, or the database fails.
pub async fn seed_demo(config: &Config, force: bool) -> anyhow::Result<()> {
    if config.env == Environment::Production && !force {
        bail!(
            "refusing to seed demo data with ATENDE_ENV=production (pass --force to do it anyway)"
        );
    }
    let hasher = infra_crypto::password::PasswordHasher::new();
    let admin = hasher
        .hash(DEMO_ADMIN_PASSWORD)
        .context("hashing the demo admin password")?;
    let staff = hasher
        .hash(DEMO_STAFF_PASSWORD)
        .context("hashing the demo staff password")?;
    let db = wiring::database(config)?;
    let seeded = infra_postgres::seed::demo(&db, admin, staff)
        .await
        .context("seeding the demo clinic")?;
    use infra_postgres::seed::{DEMO_ADMIN_EMAIL, DEMO_COMPANY_NAME, DEMO_STAFF_EMAIL};
    let verb = if seeded.created {
        "created"
    } else {
        "already present"
    };
    println!(
        "demo clinic {verb}: {DEMO_COMPANY_NAME} ({})",
        seeded.company_id
    );
    println!("  admin: {DEMO_ADMIN_EMAIL} / {DEMO_ADMIN_PASSWORD}");
    println!("  staff: {DEMO_STAFF_EMAIL} / {DEMO_STAFF_PASSWORD}");
    println!("  clients: Maria Silva (+5511987654321), João Souza (+5521998765432)");
    println!("  service: Avaliação inicial (R$ 150,00, 30 min)");
    Ok(())
}

const DEMO_ADMIN_PASSWORD: &str = "demo-admin-pass";
const DEMO_STAFF_PASSWORD: &str = "demo-staff-pass";

/// `atende serve`.
///
/// # Errors
/// When the address cannot be bound or the server fails.
pub async fn serve(config: &Config) -> anyhow::Result<()> {
    let db = wiring::database(config)?;
    let state = wiring::app_state(&db);
    let server = actix_web::HttpServer::new(move || api_http::app(state.clone()))
        .bind(config.bind)
        .with_context(|| format!("binding {}", config.bind))?
        .shutdown_timeout(20);
    tracing::info!(bind = %config.bind, env = ?config.env, "atende serving");
    server.run().await.context("http server")?;
    tracing::info!("atende stopped");
    Ok(())
}
