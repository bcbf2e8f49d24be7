//! Real `atende` processes on a test database: `atende serve` (awaited through `/readyz`) and
//! `atende worker`, each killed (SIGKILL) and reaped when dropped.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// `ATENDE_MASTER_KEY` of [`crate::support::TEST_MASTER_KEY`], so the processes open the secrets
/// a [`crate::support::TestApp`] sealed.
pub fn master_key() -> String {
    base64::engine::general_purpose::STANDARD.encode(crate::support::TEST_MASTER_KEY)
}

/// A running `atende` process.
pub struct Proc {
    child: Child,
    /// `http://127.0.0.1:<port>` of a `serve`; empty for a `worker`.
    pub base: String,
}

impl Proc {
    /// The process id (worker ids, `locked_by` of the jobs a worker holds, contain it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: no graceful shutdown, jobs in flight are left to their leases.
    pub fn kill9(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn command(sub: &str, database_url: &str, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_atende"));
    cmd.arg(sub)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("ATENDE_MASTER_KEY", master_key())
        .env(
            "RUST_LOG",
            std::env::var("ATENDE_TEST_CHILD_LOG").unwrap_or_else(|_| "error".into()),
        )
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null());
    // ATENDE_TEST_CHILD_LOG=info shows the children's logs (debugging a failing run).
    if std::env::var_os("ATENDE_TEST_CHILD_LOG").is_none() {
        cmd.stderr(Stdio::null());
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `atende serve` over `database_url` without its in-process worker (`ATENDE_WORKER=off`,
/// unless `env` says otherwise), ready when this returns.
pub async fn serve(database_url: &str, env: &[(&str, &str)]) -> Proc {
    let bind = format!("127.0.0.1:{}", free_port());
    let base = format!("http://{bind}");
    let mut cmd = command("serve", database_url, &[("ATENDE_WORKER", "off")]);
    cmd.env("ATENDE_BIND", &bind)
        .env("ATENDE_PUBLIC_URL", &base);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut proc = Proc {
        child: cmd.spawn().expect("spawn atende serve"),
        base,
    };
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(resp) = client.get(format!("{}/readyz", proc.base)).send().await
            && resp.status() == 200
        {
            return proc;
        }
        if let Ok(Some(status)) = proc.child.try_wait() {
            panic!("atende serve exited: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("atende serve did not become ready");
}

/// `atende worker` over `database_url`.
pub fn worker(database_url: &str, env: &[(&str, &str)]) -> Proc {
    Proc {
        child: command("worker", database_url, env)
            .spawn()
            .expect("spawn atende worker"),
        base: String::new(),
    }
}
