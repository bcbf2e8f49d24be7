//! Sends the tour's requests to the real app and keeps, for each, what the reader of
//! `docs/api.md` needs: the request as sent and the response as received.

use crate::support::Session;
use serde_json::Value;

/// Who sends a request.
#[derive(Clone, Copy)]
pub enum Who<'a> {
    /// No credential (public routes, webhooks).
    Anonymous,
    /// A browser: its session cookie (once signed in) and a same-origin `Origin`.
    Browser(&'a Session),
    /// A browser's session cookie sent from a page of another site (`Origin` given).
    CrossSite(&'a Session, &'a str),
    /// A service with an `atk_` API token.
    Token(&'a str),
}

/// A request or response body.
#[derive(Clone, Debug)]
pub enum Body {
    /// JSON.
    Json(Value),
    /// Anything else, as text.
    Text(String),
}

/// Why a call was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A success example: the first one of each operation is rendered in its section.
    Example,
    /// An error example with its title, rendered in the "Errors" section.
    Error(String),
}

/// One recorded exchange.
#[derive(Clone, Debug)]
pub struct Call {
    pub purpose: Purpose,
    pub method: String,
    /// The path with its query, as sent.
    pub path: String,
    /// The headers worth showing, in order.
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub status: u16,
    /// `Content-Type`, `Set-Cookie`, `Retry-After`, `Allow` when present.
    pub response_headers: Vec<(String, String)>,
    pub response: Option<Body>,
}

/// A request being built; send it with [`Recorder::send`].
pub struct Req<'a> {
    method: reqwest::Method,
    path: String,
    who: Who<'a>,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    purpose: Purpose,
    /// For a never-ending answer (an event stream): read until this text and the end of its
    /// event, then hang up.
    until: Option<String>,
}

impl<'a> Req<'a> {
    fn new(method: reqwest::Method, path: &str, who: Who<'a>) -> Self {
        Self {
            method,
            path: path.to_owned(),
            who,
            headers: Vec::new(),
            body: None,
            purpose: Purpose::Example,
            until: None,
        }
    }

    pub fn get(path: &str, who: Who<'a>) -> Self {
        Self::new(reqwest::Method::GET, path, who)
    }

    pub fn post(path: &str, who: Who<'a>) -> Self {
        Self::new(reqwest::Method::POST, path, who)
    }

    pub fn put(path: &str, who: Who<'a>) -> Self {
        Self::new(reqwest::Method::PUT, path, who)
    }

    pub fn patch(path: &str, who: Who<'a>) -> Self {
        Self::new(reqwest::Method::PATCH, path, who)
    }

    pub fn delete(path: &str, who: Who<'a>) -> Self {
        Self::new(reqwest::Method::DELETE, path, who)
    }

    /// A JSON body (serialised once: what is shown is what is sent).
    pub fn json(self, body: &Value) -> Self {
        self.raw_json(serde_json::to_vec(body).unwrap())
    }

    /// Exact JSON bytes (for signed webhooks, whose signature covers these bytes).
    pub fn raw_json(mut self, body: Vec<u8>) -> Self {
        self.headers
            .push(("Content-Type".into(), "application/json".into()));
        self.body = Some(body);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Reads the answer only until `marker` and the blank line ending its event (for
    /// `text/event-stream`).
    pub fn stream_until(mut self, marker: &str) -> Self {
        self.until = Some(marker.to_owned());
        self
    }

    /// Marks the call as an error example titled `title`.
    pub fn error(mut self, title: &str) -> Self {
        self.purpose = Purpose::Error(title.to_owned());
        self
    }
}

/// Sends requests to one app and records them in order.
pub struct Recorder {
    base: String,
    /// A client without cookies, for anonymous calls.
    anonymous: reqwest::Client,
    pub calls: Vec<Call>,
}

impl Recorder {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            anonymous: reqwest::Client::new(),
            calls: Vec::new(),
        }
    }

    /// Sends `req`, asserts the answer is `status`, records the exchange and returns the body
    /// (JSON, or a JSON string for text answers).
    pub async fn send(&mut self, req: Req<'_>, status: u16) -> Value {
        let url = format!("{}{}", self.base, req.path);
        let mut shown = Vec::new();
        let mut builder = match req.who {
            Who::Anonymous => self.anonymous.request(req.method.clone(), &url),
            Who::Browser(session) => {
                if let Some(token) = session_cookie(session) {
                    shown.push(("Cookie".to_owned(), format!("atende_session={token}")));
                }
                shown.push(("Origin".to_owned(), self.base.clone()));
                session.request(req.method.clone(), &req.path)
            }
            Who::CrossSite(session, origin) => {
                if let Some(token) = session_cookie(session) {
                    shown.push(("Cookie".to_owned(), format!("atende_session={token}")));
                }
                shown.push(("Origin".to_owned(), origin.to_owned()));
                session
                    .client
                    .request(req.method.clone(), &url)
                    .header("origin", origin)
            }
            Who::Token(token) => {
                let value = format!("Bearer {token}");
                shown.push(("Authorization".to_owned(), value.clone()));
                self.anonymous
                    .request(req.method.clone(), &url)
                    .header("authorization", value)
            }
        };
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        shown.extend(req.headers.iter().cloned());
        let body = req.body.as_deref().map(parse);
        if let Some(raw) = req.body {
            builder = builder.body(raw);
        }
        let resp = builder.send().await.unwrap();
        let got = resp.status().as_u16();
        let mut response_headers = Vec::new();
        for name in ["Content-Type", "Set-Cookie", "Retry-After", "Allow"] {
            for value in resp.headers().get_all(name) {
                response_headers.push((name.to_owned(), value.to_str().unwrap().to_owned()));
            }
        }
        let is_json = response_headers
            .iter()
            .any(|(n, v)| n == "Content-Type" && v.contains("json"));
        let raw = match &req.until {
            None => resp.bytes().await.unwrap().to_vec(),
            Some(marker) => read_until(resp, marker).await,
        };
        let response = match (raw.is_empty(), is_json) {
            (true, _) => None,
            (false, true) => Some(parse(&raw)),
            (false, false) => Some(Body::Text(String::from_utf8_lossy(&raw).into_owned())),
        };
        assert_eq!(got, status, "{} {}: {response:?}", req.method, req.path);
        let value = match &response {
            Some(Body::Json(v)) => v.clone(),
            Some(Body::Text(t)) => Value::String(t.clone()),
            None => Value::Null,
        };
        self.calls.push(Call {
            purpose: req.purpose,
            method: req.method.to_string(),
            path: req.path,
            headers: shown,
            body,
            status: got,
            response_headers,
            response,
        });
        value
    }
}

/// The body of a streamed answer up to the end of the event that contains `marker`.
async fn read_until(mut resp: reqwest::Response, marker: &str) -> Vec<u8> {
    let mut text = String::new();
    loop {
        if let Some(at) = text.find(marker)
            && let Some(end) = text[at..].find("\n\n")
        {
            text.truncate(at + end + 2);
            return text.into_bytes();
        }
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), resp.chunk())
            .await
            .expect("the stream sent the expected event within 10 s")
            .unwrap()
            .expect("the stream ended early");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
}

impl Recorder {
    /// Fails if any recorded response contains one of `secrets`.
    pub fn assert_never_returned(&self, secrets: &[&str]) {
        for call in &self.calls {
            let text = match &call.response {
                Some(Body::Json(v)) => v.to_string(),
                Some(Body::Text(t)) => t.clone(),
                None => String::new(),
            };
            for secret in secrets {
                assert!(
                    !text.contains(secret),
                    "{} {} returned a secret",
                    call.method,
                    call.path
                );
            }
        }
    }
}

fn parse(raw: &[u8]) -> Body {
    serde_json::from_slice(raw).map_or_else(
        |_| Body::Text(String::from_utf8_lossy(raw).into_owned()),
        Body::Json,
    )
}

/// The session token a browser holds, if signed in.
fn session_cookie(session: &Session) -> Option<String> {
    use reqwest::cookie::CookieStore;
    let url = reqwest::Url::parse(&session.base).unwrap();
    let header = session.jar.cookies(&url)?;
    header.to_str().unwrap().split(';').find_map(|kv| {
        let (name, value) = kv.trim().split_once('=')?;
        name.ends_with("atende_session").then(|| value.to_owned())
    })
}
