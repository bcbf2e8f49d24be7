//! Private PostgreSQL clusters for the tests that must change a server (TLS on or off, a
//! restart, a streaming replica made with `pg_basebackup`): `initdb` under a temporary
//! directory, `pg_ctl` on a free port, listening on 127.0.0.1 only, stopped and deleted when the
//! value is dropped. The shared server on 127.0.0.1:5432 is never touched.
//!
//! The binaries come from `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`,
//! else `PATH`. PostgreSQL refuses to run as root, so as root every command runs as the
//! `postgres` user (`setpriv`), which owns the directory.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// What a new cluster is started with.
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    /// A server certificate chain and key (PEM): `ssl = on` with them.
    pub tls: Option<(String, String)>,
    /// More `postgresql.conf` lines.
    pub conf: Vec<String>,
    /// More `pg_hba.conf` lines, placed before the default `trust` ones.
    pub hba: Vec<String>,
}

/// A running private cluster (superuser `postgres`, trust authentication unless `hba` says
/// otherwise).
#[derive(Debug)]
pub struct PrivateCluster {
    dir: PathBuf,
    data: PathBuf,
    port: u16,
    bin: PathBuf,
    run_as: Option<(u32, u32)>,
}

/// A free TCP port on 127.0.0.1 (bound, then released).
#[must_use]
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free port: {e}"))
}

fn pg_bindir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| rd.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.retain(|p| p.join("initdb").exists());
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.pop().unwrap_or_default()
}

/// Whether this machine has what a streaming-replica test needs (`initdb`, `pg_ctl`,
/// `postgres`, `pg_basebackup`, `psql`): `Err` names what is missing and where it was looked for.
///
/// # Errors
/// The missing programs.
pub fn replication_tools() -> Result<(), String> {
    let bin = pg_bindir();
    let found = |program: &str| {
        if bin.as_os_str().is_empty() {
            std::env::var_os("PATH")
                .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(program).exists()))
        } else {
            bin.join(program).exists()
        }
    };
    let missing: Vec<&str> = ["initdb", "pg_ctl", "postgres", "pg_basebackup", "psql"]
        .into_iter()
        .filter(|p| !found(p))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} not found (looked in `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH; install \
             the PostgreSQL server package)",
            missing.join(", ")
        ))
    }
}

/// The uid and gid of `postgres` when this process is root (PostgreSQL refuses root).
pub(crate) fn run_as_postgres() -> Option<(u32, u32)> {
    let me = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&me.stdout).trim() != "0" {
        return None;
    }
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, "postgres"]).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    Some((
        id("-u").unwrap_or_else(|| panic!("running as root needs a postgres user for initdb")),
        id("-g")?,
    ))
}

/// `program args…`, as the cluster's owner.
pub(crate) fn command(run_as: Option<(u32, u32)>, program: &Path) -> Command {
    match run_as {
        Some((uid, gid)) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg(program);
            c
        }
        None => Command::new(program),
    }
}

fn checked(what: &str, out: std::io::Result<Output>) -> Output {
    let out = out.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub(crate) fn temp_dir(prefix: &str, run_as: Option<(u32, u32)>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    if let Some((uid, gid)) = run_as {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .unwrap_or_else(|e| panic!("chown {}: {e}", dir.display()));
    }
    dir
}

impl PrivateCluster {
    /// `initdb` + start. Blocking (a second or two): call it from `spawn_blocking` or a test's
    /// start.
    #[must_use]
    pub fn start(options: &ClusterOptions) -> Self {
        let bin = pg_bindir();
        let run_as = run_as_postgres();
        let dir = temp_dir("atende-pg", run_as);
        let data = dir.join("data");
        checked(
            "initdb",
            command(run_as, &bin.join("initdb"))
                .args(["-N", "-U", "postgres", "--auth=trust", "-E", "UTF8", "-D"])
                .arg(&data)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output(),
        );
        let port = free_port();
        let cluster = Self {
            dir,
            data,
            port,
            bin,
            run_as,
        };
        cluster.configure(options);
        cluster.pg_ctl(&["start"]);
        cluster
    }

    /// A streaming replica of `primary`: `pg_basebackup -R` (the standby signal and
    /// `primary_conninfo` written by it) into a data directory of its own, started on another
    /// free port with `options` (hot standby: it answers reads). The primary needs
    /// `wal_level = replica` and `max_wal_senders`; `initdb`'s `pg_hba.conf` already trusts
    /// replication connections from 127.0.0.1. Blocking, as [`PrivateCluster::start`].
    #[must_use]
    pub fn replica_of(primary: &PrivateCluster, options: &ClusterOptions) -> Self {
        let bin = primary.bin.clone();
        let run_as = primary.run_as;
        let dir = temp_dir("atende-pg-replica", run_as);
        let data = dir.join("data");
        checked(
            "pg_basebackup",
            command(run_as, &bin.join("pg_basebackup"))
                .args(["-h", "127.0.0.1", "-p", &primary.port.to_string()])
                .args(["-U", "postgres", "-R", "-X", "stream", "-c", "fast", "-D"])
                .arg(&data)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output(),
        );
        let port = free_port();
        let cluster = Self {
            dir,
            data,
            port,
            bin,
            run_as,
        };
        // The primary's port and socket directory came with its postgresql.conf: the lines
        // appended here come later and win.
        cluster.configure(options);
        cluster.pg_ctl(&["start"]);
        cluster
    }

    fn write_owned(&self, name: &str, content: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        let path = self.data.join(name);
        std::fs::write(&path, content).unwrap_or_else(|e| panic!("write {name}: {e}"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("chmod {name}: {e}"));
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                .unwrap_or_else(|e| panic!("chown {name}: {e}"));
        }
    }

    fn configure(&self, options: &ClusterOptions) {
        let mut conf = vec![
            format!("port = {}", self.port),
            "listen_addresses = '127.0.0.1'".to_owned(),
            format!("unix_socket_directories = '{}'", self.dir.display()),
            "fsync = off".to_owned(),
            "synchronous_commit = off".to_owned(),
            "max_connections = 60".to_owned(),
            "shared_buffers = 16MB".to_owned(),
        ];
        if let Some((cert, key)) = &options.tls {
            self.write_owned("server.crt", cert, 0o644);
            self.write_owned("server.key", key, 0o600);
            conf.extend([
                "ssl = on".to_owned(),
                "ssl_cert_file = 'server.crt'".to_owned(),
                "ssl_key_file = 'server.key'".to_owned(),
            ]);
        }
        conf.extend(options.conf.iter().cloned());
        let path = self.data.join("postgresql.conf");
        let mut existing = std::fs::read_to_string(&path).unwrap_or_default();
        existing.push('\n');
        existing.push_str(&conf.join("\n"));
        existing.push('\n');
        self.write_owned("postgresql.conf", &existing, 0o600);
        let hba_path = self.data.join("pg_hba.conf");
        let hba = std::fs::read_to_string(&hba_path).unwrap_or_default();
        let mut lines = options.hba.clone();
        lines.push(hba);
        self.write_owned("pg_hba.conf", &lines.join("\n"), 0o600);
    }

    fn pg_ctl(&self, args: &[&str]) {
        checked(
            &format!("pg_ctl {}", args.join(" ")),
            command(self.run_as, &self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(self.dir.join("server.log"))
                .args(["-w", "-t", "60"])
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .output(),
        );
    }

    /// The port it listens on (127.0.0.1).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory its files live in (data directory, log, socket).
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `postgres://postgres@127.0.0.1:<port>/<db>`.
    #[must_use]
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs SQL as the superuser through `psql` over the Unix socket (blocking).
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = checked(
            "psql",
            Command::new(self.bin.join("psql"))
                .args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-U", "postgres", "-h"])
                .arg(&self.dir)
                .args(["-p", &self.port.to_string(), "-d", db, "-c", sql])
                .output(),
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// `pg_ctl restart -m fast`: every connection is closed, the server is back when this
    /// returns (blocking).
    pub fn restart(&self) {
        self.pg_ctl(&["restart", "-m", "fast"]);
    }

    /// `pg_ctl stop -m fast` (blocking).
    pub fn stop(&self) {
        self.pg_ctl(&["stop", "-m", "fast"]);
    }

    /// Starts it again after [`PrivateCluster::stop`] (blocking).
    pub fn start_again(&self) {
        self.pg_ctl(&["start"]);
    }

    /// The server log so far (for assertion messages).
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = command(self.run_as, &self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-w", "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Waits until `check` is true or `limit` passes; whether it became true.
pub async fn eventually(limit: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if check().await {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
