//! Counting the database transactions a request costs, on the wire: a TCP proxy between the
//! server's pool and PostgreSQL that counts the simple-query messages starting with `BEGIN` (every
//! unit of work of `infra_postgres` opens its transaction that way). Deterministic, unlike
//! `pg_stat_database`, whose counters are flushed by each backend on its own schedule.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::support::{TestApp, test_secret_box};
use infra_postgres::testing::{TestDb, server_url, with_database};
use infra_postgres::{Database, PoolSettings};
use std::net::TcpListener as StdListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The proxy; [`Counter::transactions`] is how many transactions passed through it so far.
#[derive(Clone)]
pub struct Counter {
    begins: Arc<AtomicUsize>,
    /// `host:port` of the proxy.
    pub addr: String,
}

impl Counter {
    /// Transactions begun through the proxy so far.
    pub fn transactions(&self) -> usize {
        self.begins.load(Ordering::SeqCst)
    }

    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let begins = Arc::new(AtomicUsize::new(0));
        let counted = begins.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, counted) = (upstream.clone(), counted.clone());
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let (mut client_r, mut client_w) = client.into_split();
                    let (mut server_r, mut server_w) = server.into_split();
                    tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut server_r, &mut client_w).await;
                    });
                    let mut parser = Frontend::default();
                    let mut buf = vec![0u8; 16 * 1024];
                    loop {
                        let n = match client_r.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        counted.fetch_add(parser.feed(&buf[..n]), Ordering::SeqCst);
                        if server_w.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        Self { begins, addr }
    }
}

/// The client side of the PostgreSQL protocol, just enough to find simple queries.
#[derive(Default)]
struct Frontend {
    pending: Vec<u8>,
    started: bool,
}

impl Frontend {
    /// Feeds bytes sent to the server; returns how many `BEGIN` queries they completed.
    fn feed(&mut self, bytes: &[u8]) -> usize {
        self.pending.extend_from_slice(bytes);
        let mut begins = 0;
        loop {
            if !self.started {
                // Untyped: length, then a code (the startup message, or SSL/GSS requests).
                if self.pending.len() < 8 {
                    return begins;
                }
                let len = u32::from_be_bytes(self.pending[0..4].try_into().unwrap()) as usize;
                let code = u32::from_be_bytes(self.pending[4..8].try_into().unwrap());
                if self.pending.len() < len {
                    return begins;
                }
                self.pending.drain(..len);
                if code != 80_877_103 && code != 80_877_104 {
                    self.started = true;
                }
                continue;
            }
            if self.pending.len() < 5 {
                return begins;
            }
            let len = u32::from_be_bytes(self.pending[1..5].try_into().unwrap()) as usize;
            if self.pending.len() < 1 + len {
                return begins;
            }
            if self.pending[0] == b'Q' {
                let sql = String::from_utf8_lossy(&self.pending[5..1 + len]);
                if sql.trim_start().to_ascii_uppercase().starts_with("BEGIN") {
                    begins += 1;
                }
            }
            self.pending.drain(..1 + len);
        }
    }
}

/// `(host:port, url with its host and port replaced by proxy)` of a `postgres://user@host:port/db`
/// URL.
fn route_through(url: &str, proxy: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (user, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let upstream = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    (upstream, format!("{scheme}://{user}{proxy}{tail}"))
}

/// A [`TestApp`] whose server reaches its database only through a [`Counter`].
pub async fn spawn_counted(traffic: server::traffic::TrafficSettings) -> (TestApp, Counter) {
    let db = TestDb::new().await;
    let (upstream, _) = route_through(&server_url(), "");
    let counter = Counter::start(upstream).await;
    let (_, proxied) = route_through(&server_url(), &counter.addr);
    let proxied = with_database(&proxied, &db.name);
    // The counter reads the protocol: the connection through it must not be encrypted.
    let sep = if proxied.contains('?') { '&' } else { '?' };
    let proxied = format!("{proxied}{sep}sslmode=disable");
    let counted = Database::connect(
        &proxied,
        &PoolSettings {
            max_size: 4,
            application_name: "atende-test-counted".into(),
            ..PoolSettings::default()
        },
    )
    .unwrap();
    let state = server::wiring::app_state_serving(
        &counted,
        &server::config::AuthSettings::default(),
        test_secret_box(),
        &traffic,
    );
    let metrics = state.metrics.clone();
    let principals = state.deps.principals.clone();
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let http = actix_web::HttpServer::new(move || api_http::app(state.clone()))
        .workers(1)
        .listen(listener)
        .unwrap()
        .disable_signals()
        .run();
    tokio::spawn(http);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let app = TestApp {
        db,
        base: format!("http://127.0.0.1:{port}"),
        client,
        metrics,
        pooler: None,
        principals,
    };
    (app, counter)
}

#[test]
fn the_parser_counts_begins_split_across_reads() {
    let mut startup = Vec::new();
    startup.extend_from_slice(&8u32.to_be_bytes());
    startup.extend_from_slice(&80_877_103u32.to_be_bytes()); // SSLRequest
    startup.extend_from_slice(&12u32.to_be_bytes());
    startup.extend_from_slice(&196_608u32.to_be_bytes()); // protocol 3.0
    startup.extend_from_slice(b"u\0x\0");
    let query = |sql: &str| {
        let mut m = vec![b'Q'];
        m.extend_from_slice(&(4 + sql.len() as u32 + 1).to_be_bytes());
        m.extend_from_slice(sql.as_bytes());
        m.push(0);
        m
    };
    let mut wire = startup;
    wire.extend(query(
        "BEGIN; SELECT set_config('role', 'atende_app', true)",
    ));
    wire.extend(query("SELECT 1"));
    wire.extend(query("begin"));
    wire.extend(query("COMMIT"));
    let mut parser = Frontend::default();
    let total: usize = wire.chunks(3).map(|c| parser.feed(c)).sum();
    assert_eq!(total, 2);
    assert_eq!(
        route_through("postgres://postgres@127.0.0.1:5432/postgres", "127.0.0.1:9"),
        (
            "127.0.0.1:5432".to_owned(),
            "postgres://postgres@127.0.0.1:9/postgres".to_owned()
        )
    );
    assert_eq!(
        route_through("postgres://u:p@db/x?sslmode=disable", "p:1"),
        (
            "db:5432".to_owned(),
            "postgres://u:p@p:1/x?sslmode=disable".to_owned()
        )
    );
}
