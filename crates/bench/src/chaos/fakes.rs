//! Local fakes for the chaos suite: an n8n relay that records every call (with its
//! `Idempotency-Key`) and answers like a well-behaved workflow (the same `message_id` for a
//! repeated key), and a tarpit that accepts connections and never answers (a hung n8n or model).

use bench::faults::parse_head;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One call the fake n8n received.
#[derive(Debug, Clone)]
pub struct Call {
    /// `interaction_id` of the body.
    pub interaction_id: String,
    /// The `Idempotency-Key` header (empty when absent).
    pub key: String,
    /// When the request was fully read.
    pub at: Instant,
}

/// A fake n8n relay on 127.0.0.1.
#[derive(Clone)]
pub struct FakeN8n {
    /// Its URL (`http://127.0.0.1:<port>/n8n`).
    pub url: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl FakeN8n {
    /// Starts one that answers each call after `delay`.
    pub async fn start(delay: Duration) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/n8n", listener.local_addr()?);
        let calls = Arc::new(Mutex::new(Vec::new()));
        let recorded = calls.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let _ = serve_one(socket, delay, &recorded).await;
                });
            }
        });
        Ok(Self { url, calls })
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// The first arrival of each interaction.
    pub fn first_arrivals(&self) -> HashMap<String, Instant> {
        let mut out = HashMap::new();
        for c in self.calls() {
            out.entry(c.interaction_id).or_insert(c.at);
        }
        out
    }
}

/// Reads one request (head and body) from `socket`; `None` when it closed first.
async fn read_request(socket: &mut TcpStream) -> anyhow::Result<Option<(Option<String>, Vec<u8>)>> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0_u8; 4096];
    loop {
        if let Some(head) = parse_head(&buf) {
            while buf.len() < head.len + head.content_length {
                let n = socket.read(&mut chunk).await?;
                if n == 0 {
                    return Ok(None);
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let body = buf[head.len..head.len + head.content_length].to_vec();
            return Ok(Some((head.idempotency_key, body)));
        }
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn serve_one(
    mut socket: TcpStream,
    delay: Duration,
    calls: &Mutex<Vec<Call>>,
) -> anyhow::Result<()> {
    let Some((key, body)) = read_request(&mut socket).await? else {
        return Ok(());
    };
    let at = Instant::now();
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let interaction_id = v["interaction_id"].as_str().unwrap_or_default().to_owned();
    let key = key.unwrap_or_default();
    if let Ok(mut c) = calls.lock() {
        c.push(Call {
            interaction_id,
            key: key.clone(),
            at,
        });
    }
    tokio::time::sleep(delay).await;
    // A repeated key gets the same provider id: the workflow remembers what it sent.
    let answer = serde_json::json!({"message_id": format!("wamid.fake-{key}")}).to_string();
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
    socket.write_all(response.as_bytes()).await?;
    socket.shutdown().await?;
    Ok(())
}

/// A tarpit on 127.0.0.1: accepts every connection, reads whatever comes and never answers.
pub struct Tarpit {
    /// Its base URL (`http://127.0.0.1:<port>`).
    pub url: String,
    accepted: Arc<Mutex<u64>>,
}

impl Tarpit {
    /// Starts one.
    pub async fn start() -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let accepted = Arc::new(Mutex::new(0));
        let count = accepted.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                if let Ok(mut n) = count.lock() {
                    *n += 1;
                }
                tokio::spawn(async move {
                    let mut sink = [0_u8; 4096];
                    while matches!(socket.read(&mut sink).await, Ok(n) if n > 0) {}
                });
            }
        });
        Ok(Self { url, accepted })
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.lock().map(|n| *n).unwrap_or(0)
    }
}
