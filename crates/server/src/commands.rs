//! The subcommands' bodies.

use crate::cli::{AnalystAction, AnalyzerArg, CompanyAction, RoleArg, UserAction};
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
    crate::demo::seed_relay(config).await
}

/// `atende seed --scale [--scale-factor F]`: see [`crate::seed_scale`].
///
/// # Errors
/// When refused in production, the database already holds the dataset, or the database fails.
pub async fn seed_scale(config: &Config, factor: f64, force: bool) -> anyhow::Result<()> {
    crate::seed_scale::command(config, factor, force).await
}

const DEMO_ADMIN_PASSWORD: &str = "demo-admin-pass";
const DEMO_STAFF_PASSWORD: &str = "demo-staff-pass";

/// `atende serve`.
///
/// # Errors
/// When the address cannot be bound or the server fails.
pub async fn serve(config: &Config) -> anyhow::Result<()> {
    let db = wiring::database(config)?;
    let (keys, _) = crate::master_key::for_process(config)?;
    let metrics = crate::metrics::registry(&db);
    let snapshots = crate::snapshots::keyed(&db, keys.clone(), &config.snapshots, &metrics);
    let (events, hub) = wiring::event_streams(&db, config.events.limits);
    let state = wiring::build_state(
        &db,
        wiring::StateParts {
            auth: &config.auth,
            keys: Some(keys.clone()),
            traffic: &config.traffic,
            outbox: &config.outbox,
            metrics: metrics.clone(),
            metrics_access: config.metrics.access(),
            snapshots: Some(snapshots.clone()),
            events: Some(events),
        },
    );
    let server = actix_web::HttpServer::new(move || api_http::app(state.clone()))
        .bind(config.bind)
        .with_context(|| format!("binding {}", config.bind))?
        .shutdown_timeout(20)
        .disable_signals()
        .run();
    // On SIGTERM/SIGINT: end every event stream with a final event, then stop gracefully.
    let handle = server.handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        hub.close();
        handle.stop(true).await;
    });
    let metrics_listener = metrics_listener(config, &metrics)?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    if config.traffic.shared {
        tokio::spawn(prune_rate_buckets(
            infra_postgres::rate_limits::PgRateLimiter::new(db.clone()),
            stopped.clone(),
        ));
    }
    let worker = if config.jobs.in_process {
        let w = crate::snapshots::register(wiring::worker(&db, &config.jobs), &snapshots)
            .with_metrics(metrics.clone());
        let w = wiring::with_outbound_dispatch(w, &db, keys, &config.outbox)?;
        let scheduler = crate::snapshots::scheduler(&db, &snapshots);
        tokio::spawn(crate::snapshots::run_scheduler(scheduler, stopped.clone()));
        tokio::spawn(crate::events::run_retention(
            infra_postgres::events::PgEventLog::new(db.clone()),
            config.events.retention,
            stopped.clone(),
        ));
        let listener = infra_postgres::jobs::JobListener::new(config.database_url.expose_secret());
        Some(tokio::spawn(w.run(listener, stopped)))
    } else {
        None
    };
    tracing::info!(bind = %config.bind, env = ?config.env, worker = config.jobs.in_process, "atende serving");
    let served = server.await.context("http server");
    if let Some(handle) = metrics_listener {
        handle.stop(true).await;
    }
    let _ = stop.send(true);
    if let Some(w) = worker {
        let _ = w.await;
    }
    served?;
    tracing::info!("atende stopped");
    Ok(())
}

/// `atende worker`: only the background worker, until SIGINT/SIGTERM.
///
/// # Errors
/// When the master key cannot be resolved or the database pool cannot be built.
pub async fn worker(config: &Config) -> anyhow::Result<()> {
    let db = wiring::database(config)?;
    let (keys, _) = crate::master_key::for_process(config)?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let metrics = crate::metrics::registry(&db);
    let snapshots = crate::snapshots::keyed(&db, keys.clone(), &config.snapshots, &metrics);
    let w = crate::snapshots::register(wiring::worker(&db, &config.jobs), &snapshots)
        .with_metrics(metrics.clone());
    let metrics_listener = metrics_listener(config, &metrics)?;
    let w = wiring::with_outbound_dispatch(w, &db, keys, &config.outbox)?;
    let scheduler = crate::snapshots::scheduler(&db, &snapshots);
    tokio::spawn(crate::snapshots::run_scheduler(scheduler, stopped.clone()));
    tokio::spawn(crate::events::run_retention(
        infra_postgres::events::PgEventLog::new(db.clone()),
        config.events.retention,
        stopped.clone(),
    ));
    let listener = infra_postgres::jobs::JobListener::new(config.database_url.expose_secret());
    let running = tokio::spawn(w.run(listener, stopped));
    shutdown_signal().await;
    if let Some(handle) = metrics_listener {
        handle.stop(true).await;
    }
    let _ = stop.send(true);
    let _ = running.await;
    Ok(())
}

/// How often each serving node deletes the shared rate-limit buckets that are full again.
const RATE_BUCKET_PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Deletes full rate-limit buckets every [`RATE_BUCKET_PRUNE_EVERY`] until `shutdown` turns true
/// (every node may: deleting a full bucket twice is harmless).
async fn prune_rate_buckets(
    limiter: infra_postgres::rate_limits::PgRateLimiter,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(RATE_BUCKET_PRUNE_EVERY) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
        if let Err(e) = limiter.prune().await {
            tracing::warn!(error = %e, "pruning the shared rate-limit buckets failed");
        }
    }
}

/// Starts the separate metrics listener when `ATENDE_METRICS_BIND` is set; returns its handle.
fn metrics_listener(
    config: &Config,
    metrics: &api_http::metrics::Metrics,
) -> anyhow::Result<Option<actix_web::dev::ServerHandle>> {
    let Some(addr) = config.metrics.bind else {
        return Ok(None);
    };
    let server = crate::metrics::listener(metrics.clone(), config.metrics.token.clone(), addr)?;
    let handle = server.handle();
    tokio::spawn(server);
    tracing::info!(bind = %addr, token = config.metrics.token.is_some(), "metrics listener started");
    Ok(Some(handle))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// `atende company create`.
///
/// # Errors
/// When the input is invalid or the database fails.
pub async fn company(config: &Config, action: CompanyAction) -> anyhow::Result<()> {
    let CompanyAction::Create {
        name,
        admin_email,
        admin_password,
        admin_name,
    } = action;
    let db = wiring::database(config)?;
    let deps = wiring::deps(&db, &config.auth);
    let id = app::companies::create_company(
        &deps,
        app::companies::CreateCompany {
            name,
            admin_email,
            admin_name,
            admin_password: domain::auth::Password::new(admin_password),
        },
    )
    .await
    .context("creating the clinic")?;
    println!("{id}");
    Ok(())
}

/// `atende user add` and `atende user reset-password`.
///
/// # Errors
/// When the input is invalid, the clinic or account does not exist or the database fails.
pub async fn user(config: &Config, action: UserAction) -> anyhow::Result<()> {
    let (company, email, role, password, name) = match action {
        UserAction::Add {
            company,
            email,
            role,
            password,
            name,
        } => (company, email, role, password, name),
        UserAction::ResetPassword { email, company } => {
            return reset_password(config, &email, company).await;
        }
    };
    let db = wiring::database(config)?;
    let deps = wiring::deps(&db, &config.auth);
    let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
    let role = match role {
        RoleArg::Admin => domain::auth::Role::Admin,
        RoleArg::Staff => domain::auth::Role::Staff,
    };
    let created = app::companies::add_user(
        &deps,
        domain::CompanyId(company),
        app::users::CreateMember {
            email,
            name,
            role,
            password: Some(domain::auth::Password::new(password)),
        },
    )
    .await
    .context("adding the user")?;
    println!("{}", created.member.id);
    Ok(())
}

/// `atende analyst eval FILE [--analyzer heuristic-v1|openai]`: prints the evaluation table.
/// Needs no database; `--analyzer openai` reads only the OpenAI settings and needs a key.
/// Exit code 2 for a configuration error, 1 for an unreadable set or a failing analyzer.
pub async fn analyst(action: AnalystAction) -> std::process::ExitCode {
    use std::process::ExitCode;
    let AnalystAction::Eval { file, analyzer } = action;
    let analyzer = match eval_analyzer(analyzer) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let run = async {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let cases =
            app::snapshots::eval::parse_cases(&text).with_context(|| file.display().to_string())?;
        app::snapshots::eval::evaluate(analyzer.as_ref(), &cases)
            .await
            .context("evaluating")
    };
    match run.await {
        Ok(report) => {
            println!("set: {}", file.display());
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The analyzer `atende analyst eval` runs; an error names the setting that is missing.
fn eval_analyzer(
    which: AnalyzerArg,
) -> anyhow::Result<std::sync::Arc<dyn domain::ports::analyzer::ContextAnalyzer>> {
    use domain::ports::snapshots::ModelAnalyzers;
    Ok(match which {
        AnalyzerArg::HeuristicV1 => {
            std::sync::Arc::new(app::snapshots::heuristic::HeuristicAnalyzer::new())
        }
        AnalyzerArg::Openai => {
            let settings =
                crate::snapshots::SnapshotSettings::from_source(&crate::config::ProcessEnv)?;
            let models = crate::snapshots::OpenAiModels::new(&settings);
            if !models.has_default_key() {
                bail!("OPENAI_API_KEY: is required with --analyzer openai");
            }
            models.endpoint(None, None)?
        }
    })
}

/// `atende user reset-password`: the operator issues a reset token for any local account.
async fn reset_password(
    config: &Config,
    email: &str,
    company: Option<uuid::Uuid>,
) -> anyhow::Result<()> {
    let db = wiring::database(config)?;
    let deps = wiring::deps(&db, &config.auth);
    let issued =
        app::auth::issue_password_reset_by_email(&deps, email, company.map(domain::CompanyId))
            .await
            .context("issuing the password reset token")?;
    println!("{}", issued.token);
    println!("expires at {}", issued.expires_at.to_rfc3339());
    Ok(())
}
