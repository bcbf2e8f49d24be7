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
        /// Create the demo clinic "Clínica Demo" with an admin, a staff member, two clients and a
        /// service (idempotent).
        #[arg(long)]
        demo: bool,
        /// Allow seeding when ATENDE_ENV=production.
        #[arg(long)]
        force: bool,
    },
    /// Serve the HTTP API.
    Serve,
}
