//! `atende`: see `server::cli` for the subcommands.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    server::run().await
}
