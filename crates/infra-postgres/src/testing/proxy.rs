//! A TCP proxy that can lose its servers silently, as a failover behind a load balancer looks to
//! a client: after [`SilentProxy::cut_silently`] every connection open at that moment has its
//! server side closed while the client side stays open, and is closed only when the client next
//! sends something (with no answer). New connections reach the server again.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A running proxy (its tasks stop with the test's runtime).
#[derive(Debug)]
pub struct SilentProxy {
    port: u16,
    generation: watch::Sender<u64>,
}

impl SilentProxy {
    /// A proxy on a free 127.0.0.1 port forwarding to `upstream`.
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("local addr").port();
        let (generation, _) = watch::channel(0u64);
        let cuts = generation.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let cut = cuts.subscribe();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        pipe(client, server, cut).await;
                    }
                });
            }
        });
        Self { port, generation }
    }

    /// The port to connect to.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes the server side of every open connection without telling the clients.
    pub fn cut_silently(&self) {
        self.generation.send_modify(|g| *g += 1);
    }
}

async fn pipe(mut client: TcpStream, mut server: TcpStream, mut cut: watch::Receiver<u64>) {
    let mut from_client = vec![0u8; 16 * 1024];
    let mut from_server = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            n = client.read(&mut from_client) => match n {
                Ok(0) | Err(_) => return,
                Ok(n) => if server.write_all(&from_client[..n]).await.is_err() { return },
            },
            n = server.read(&mut from_server) => match n {
                Ok(0) | Err(_) => return,
                Ok(n) => if client.write_all(&from_server[..n]).await.is_err() { return },
            },
            changed = cut.changed() => {
                if changed.is_err() { return; }
                drop(server);
                // The client learns only when it next writes.
                let _ = client.read(&mut from_client).await;
                return;
            }
        }
    }
}
