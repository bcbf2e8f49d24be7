//! The `atende` command line.

use clap::{Parser, Subcommand};

/// Atende: the backend of a multi-tenant omnichannel CRM for clinics.
#[derive(Debug, Parser)]
#[command(name = "atende", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending database migrations (idempotent), as the owner role.
    Migrate,
    /// Seed data.
    Seed {
        /// Create the demo clinic "Clínica Demo" with an admin, a staff member, two clients, a
        /// service and a WhatsApp relay integration whose webhook secret is printed (idempotent).
        #[arg(long)]
        demo: bool,
        /// Build the benchmark dataset (issue 11) with bulk SQL: 10 clinics × 10,000 clients,
        /// 30,000 threads and 200,000 messages each, with a relay integration and an API token per
        /// clinic; prints the load generator's credentials as JSON. Use a scratch database.
        #[arg(long, conflicts_with = "demo")]
        scale: bool,
        /// With --scale: multiply every per-clinic count by this (0.01: one clinic, 100 clients).
        #[arg(long, default_value_t = 1.0, requires = "scale")]
        scale_factor: f64,
        /// Allow seeding when ATENDE_ENV=production.
        #[arg(long)]
        force: bool,
    },
    /// Serve the HTTP API (and run the background worker unless ATENDE_WORKER=off).
    Serve,
    /// Run only the background worker (outbound dispatch, snapshots, daily runs).
    Worker,
    /// Manage clinics.
    Company {
        /// What to do.
        #[command(subcommand)]
        action: CompanyAction,
    },
    /// Manage clinic members.
    User {
        /// What to do.
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage the master key of integration secrets.
    Keys {
        /// What to do.
        #[command(subcommand)]
        action: KeysAction,
    },
    /// The analyst agent's context snapshots.
    Snapshots {
        /// What to do.
        #[command(subcommand)]
        action: SnapshotsAction,
    },
    /// The analyst agent's evaluation (no database needed).
    Analyst {
        /// What to do.
        #[command(subcommand)]
        action: AnalystAction,
    },
    /// Background jobs.
    Jobs {
        /// What to do.
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Development helpers (refused with ATENDE_ENV=production).
    Dev {
        /// What to do.
        #[command(subcommand)]
        action: DevAction,
    },
}

/// `atende analyst …`.
#[derive(Debug, Subcommand)]
pub enum AnalystAction {
    /// Run a labelled JSONL set (crates/app/tests/data/README.md) through an analyzer and print
    /// per-flag accuracy, confusion tables and the share of expected items found.
    Eval {
        /// The JSONL file.
        file: std::path::PathBuf,
        /// The analyzer: the offline heuristic, or the OpenAI-compatible model of OPENAI_BASE_URL,
        /// OPENAI_API_KEY and ATENDE_OPENAI_MODEL.
        #[arg(long, value_enum, default_value = "heuristic-v1")]
        analyzer: AnalyzerArg,
    },
}

/// An analyzer on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnalyzerArg {
    /// The offline analyzer.
    #[value(name = "heuristic-v1")]
    HeuristicV1,
    /// The OpenAI-compatible adapter.
    Openai,
}

/// `atende jobs …`.
#[derive(Debug, Subcommand)]
pub enum JobsAction {
    /// List the jobs that failed for good (out of attempts, rejected, or whose lease expired on
    /// their last attempt), newest first, one JSON line each, for every clinic or one.
    Failed {
        /// Only this clinic.
        #[arg(long)]
        company: Option<uuid::Uuid>,
        /// At most this many per clinic (1–1000).
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// `atende dev …`.
#[derive(Debug, Subcommand)]
pub enum DevAction {
    /// Post one WhatsApp relay message, signed with the demo relay's webhook secret (made by
    /// `seed --demo`), to `<url>/webhooks/whatsapp` and print Atende's answer.
    SendWebhook {
        /// The message text.
        #[arg(long, default_value = "Olá, quero marcar uma avaliação")]
        text: String,
        /// The sender's WhatsApp id (digits; the demo patient Maria Silva by default).
        #[arg(long, default_value = "5511987654321")]
        from: String,
        /// The sender's profile name.
        #[arg(long, default_value = "Maria Silva")]
        name: String,
        /// Atende's base URL (default `http://<ATENDE_BIND>`).
        #[arg(long)]
        url: Option<String>,
    },
}

/// `atende snapshots …`.
#[derive(Debug, Subcommand)]
pub enum SnapshotsAction {
    /// Run the daily snapshot rule now (patients with inbound messages in the last 24 h, within
    /// the budget) for every clinic or one; prints one JSON line of counts per clinic.
    RunDaily {
        /// Only this clinic.
        #[arg(long)]
        company: Option<uuid::Uuid>,
    },
}

/// `atende keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysAction {
    /// Print a new random master key (32 bytes, standard base64) for ATENDE_MASTER_KEY.
    Generate,
    /// Re-encrypt every integration's secrets under ATENDE_MASTER_KEY (the new key), opening them
    /// with ATENDE_MASTER_KEY_PREVIOUS (the old one) where needed; prints how many changed.
    /// Idempotent.
    Rotate,
}

/// `atende company …`.
#[derive(Debug, Subcommand)]
pub enum CompanyAction {
    /// Create a clinic and its first admin; prints the clinic id.
    Create {
        /// The clinic's name.
        #[arg(long)]
        name: String,
        /// The first admin's e-mail.
        #[arg(long)]
        admin_email: String,
        /// The first admin's password (15 to 256 characters).
        #[arg(long)]
        admin_password: String,
        /// The first admin's display name (default "Admin").
        #[arg(long)]
        admin_name: Option<String>,
    },
}

/// A member's role on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    /// Manages users, tokens and settings.
    Admin,
    /// Day-to-day work.
    Staff,
}

/// `atende user …`.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add an active member with a password to a clinic; prints the member id.
    Add {
        /// The clinic id.
        #[arg(long)]
        company: uuid::Uuid,
        /// The member's e-mail.
        #[arg(long)]
        email: String,
        /// The member's role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The member's password (15 to 256 characters).
        #[arg(long)]
        password: String,
        /// The member's display name (default: the e-mail's local part).
        #[arg(long)]
        name: Option<String>,
    },
    /// Issue a one-time password reset token (valid 24 hours) for a local account, whatever
    /// clinics it belongs to; prints the token and its expiry. Atende sends no e-mail: hand the
    /// token over; the person sets a new password at POST /auth/reset-password, which ends every
    /// session of the account.
    ResetPassword {
        /// The account's e-mail.
        #[arg(long)]
        email: String,
        /// When several accounts share the e-mail: the clinic whose member's account to reset.
        #[arg(long)]
        company: Option<uuid::Uuid>,
    },
}
