//! The `atende` binary's library: configuration, wiring (the only composition root), the
//! subcommands and tracing setup. `main.rs` only parses the command line and maps errors to exit
//! codes.

pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod events;
pub mod keys;
pub mod master_key;
pub mod metrics;
pub mod outbox;
pub mod seed_scale;
pub mod snapshots;
pub mod supabase;
pub mod telemetry;
pub mod traffic;
pub mod wiring;
pub mod worker;

use clap::Parser;
use std::process::ExitCode;

/// Runs the command line; returns the process exit code (2 for a configuration error).
pub async fn run() -> ExitCode {
    let cli = cli::Cli::parse();
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("error: .env: {e}");
        return ExitCode::from(2);
    }
    if let cli::Command::Analyst { action } = cli.command {
        return commands::analyst(action).await;
    }
    let config = match config::Config::from_source(&config::ProcessEnv) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: configuration: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config);
    let preflight = match &cli.command {
        cli::Command::Serve | cli::Command::Worker | cli::Command::Snapshots { .. } => {
            config.master_keys.require(config.env)
        }
        cli::Command::Keys { action } => keys::preflight(action, &config),
        _ => Ok(()),
    };
    if let Err(e) = preflight {
        eprintln!("error: configuration: {e}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        cli::Command::Migrate => commands::migrate(&config).await,
        cli::Command::Seed {
            demo: true, force, ..
        } => commands::seed_demo(&config, force).await,
        cli::Command::Seed {
            scale: true,
            scale_factor,
            force,
            ..
        } => commands::seed_scale(&config, scale_factor, force).await,
        cli::Command::Seed { .. } => {
            eprintln!("error: nothing to seed (use --demo or --scale)");
            return ExitCode::from(2);
        }
        cli::Command::Serve => commands::serve(&config).await,
        cli::Command::Worker => commands::worker(&config).await,
        cli::Command::Company { action } => commands::company(&config, action).await,
        cli::Command::User { action } => commands::user(&config, action).await,
        cli::Command::Keys { action } => keys::run(&config, action).await,
        cli::Command::Snapshots {
            action: cli::SnapshotsAction::RunDaily { company },
        } => snapshots::run_daily_command(&config, company).await,
        // Handled above, before the configuration is read.
        cli::Command::Analyst { .. } => Ok(()),
        cli::Command::Jobs {
            action: cli::JobsAction::Failed { company, limit },
        } => worker::failed_command(&config, company, limit).await,
        cli::Command::Dev {
            action:
                cli::DevAction::SendWebhook {
                    text,
                    from,
                    name,
                    url,
                },
        } => {
            demo::send_webhook(
                &config,
                demo::SendWebhook {
                    text,
                    from,
                    name,
                    url,
                },
            )
            .await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
