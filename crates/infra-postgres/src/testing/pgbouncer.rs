//! A private PgBouncer in transaction mode in front of a PostgreSQL server, for tests that prove
//! Atende works behind a pooler. Debian's `pgbouncer` package (1.18: no prepared-statement
//! tracking, the hard case); started on a free port under a temporary directory, killed and
//! deleted when the value is dropped. Its packaged service is never used.

use super::cluster::{command, free_port, temp_dir};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// A running PgBouncer.
#[derive(Debug)]
pub struct PgBouncer {
    child: Child,
    dir: PathBuf,
    port: u16,
}

fn binary() -> Option<PathBuf> {
    [
        "/usr/sbin/pgbouncer",
        "/usr/bin/pgbouncer",
        "/usr/local/bin/pgbouncer",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

impl PgBouncer {
    /// Starts PgBouncer (`pool_mode = transaction`, at most `server_pool` server connections per
    /// database) forwarding every database to `host:port` as `postgres` (trust). `None`, after
    /// saying so on stderr, where the `pgbouncer` binary is not installed (`apt-get install
    /// pgbouncer`; `.ci/run` installs it).
    #[must_use]
    pub fn start(host: &str, port: u16, server_pool: u32) -> Option<Self> {
        let Some(bin) = binary() else {
            eprintln!(
                "SKIPPED: the pgbouncer binary is not installed (apt-get install pgbouncer); \
                 this test runs only behind a real PgBouncer"
            );
            return None;
        };
        let run_as = super::cluster::run_as_postgres();
        let dir = temp_dir("atende-pgbouncer", run_as);
        let listen = free_port();
        let ini = format!(
            "[databases]\n* = host={host} port={port} user=postgres\n\n[pgbouncer]\n\
             listen_addr = 127.0.0.1\nlisten_port = {listen}\nunix_socket_dir =\n\
             auth_type = trust\nauth_file = {auth}\npool_mode = transaction\n\
             default_pool_size = {server_pool}\nmax_client_conn = 200\n\
             server_reset_query =\nignore_startup_parameters = extra_float_digits,options\n\
             logfile = {log}\npidfile = {pid}\n",
            auth = dir.join("users.txt").display(),
            log = dir.join("pgbouncer.log").display(),
            pid = dir.join("pgbouncer.pid").display(),
        );
        write(&dir.join("users.txt"), "\"postgres\" \"\"\n", run_as);
        write(&dir.join("pgbouncer.ini"), &ini, run_as);
        let child = command(run_as, &bin)
            .arg(dir.join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start pgbouncer: {e}"));
        let bouncer = Self {
            child,
            dir,
            port: listen,
        };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", listen)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "pgbouncer did not listen: {}",
                bouncer.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(bouncer)
    }

    /// [`PgBouncer::start`] in front of the server of `url` (its first TCP host and port).
    #[must_use]
    pub fn in_front_of(url: &str, server_pool: u32) -> Option<Self> {
        let config: tokio_postgres::Config = url
            .split('?')
            .next()
            .unwrap_or(url)
            .parse()
            .unwrap_or_else(|e| panic!("test server URL: {e}"));
        let host = config
            .get_hosts()
            .iter()
            .find_map(|h| match h {
                tokio_postgres::config::Host::Tcp(h) => Some(h.clone()),
                #[allow(unreachable_patterns)]
                _ => None,
            })
            .unwrap_or_else(|| "127.0.0.1".to_owned());
        let port = config.get_ports().first().copied().unwrap_or(5432);
        Self::start(&host, port, server_pool)
    }

    /// `postgres://postgres@127.0.0.1:<port>/<db>?pgbouncer=true`.
    #[must_use]
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?pgbouncer=true",
            self.port
        )
    }

    /// Its log so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("pgbouncer.log")).unwrap_or_default()
    }
}

fn write(path: &Path, content: &str, run_as: Option<(u32, u32)>) {
    std::fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    if let Some((uid, gid)) = run_as {
        let _ = std::os::unix::fs::chown(path, Some(uid), Some(gid));
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
