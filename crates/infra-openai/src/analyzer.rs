//! The adapter: one chat completion per analysis, with retries.

use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::InteractionId;
use domain::ports::analyzer::ContextAnalyzer;
use domain::snapshots::privacy::mask_and_cut;
use domain::snapshots::{AnalysisInput, AnalysisReport, AnalyzerError, MESSAGE_MAX_CHARS};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::config::{ConfigError, MAX_RESPONSE_BYTES, MAX_RETRIES, OpenAiConfig};
use crate::prompt::{SCHEMA_NAME, SYSTEM_PROMPT, analysis_schema};
use crate::validate::analysis_from;
use crate::wire::{ChatMessage, ChatRequest, ChatResponse, ErrorBody, JsonSchema, ResponseFormat};

/// The analyzer name stored with every snapshot this adapter makes.
const ANALYZER_NAME: &str = "openai";

/// The OpenAI-compatible analyzer. Cheap to share: hold it as `Arc<dyn ContextAnalyzer>`.
pub struct OpenAiAnalyzer {
    http: reqwest::Client,
    endpoint: String,
    config: OpenAiConfig,
    schema: Value,
}

impl fmt::Debug for OpenAiAnalyzer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiAnalyzer")
            .field("endpoint", &self.endpoint)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OpenAiAnalyzer {
    /// An adapter with its own HTTP client (rustls) under the config's egress policy: its
    /// resolver refuses restricted addresses when connecting, and it never follows redirects.
    ///
    /// # Errors
    /// [`ConfigError`] when the base URL, model or temperature is invalid, or the HTTP client
    /// cannot be built.
    pub fn new(config: OpenAiConfig) -> Result<Self, ConfigError> {
        let http = infra_egress::client_builder(&config.egress)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|_| ConfigError::Client)?;
        Self::with_http_client(config, http)
    }

    /// An adapter over a shared HTTP client (the per-attempt timeout is set on each request).
    /// The client must enforce the egress policy itself (build it with
    /// [`infra_egress::client_builder`]); IP-literal base URLs are checked here in any case.
    ///
    /// # Errors
    /// [`ConfigError`] when the base URL, model or temperature is invalid.
    pub fn with_http_client(
        config: OpenAiConfig,
        http: reqwest::Client,
    ) -> Result<Self, ConfigError> {
        let base = config.checked_base()?;
        Ok(Self {
            http,
            endpoint: format!("{base}/chat/completions"),
            config,
            schema: analysis_schema(),
        })
    }

    /// The model sent in each request.
    #[must_use]
    pub fn model(&self) -> &str {
        &self.config.model
    }

    /// Whether a default key is configured (calls without their own key need it).
    #[must_use]
    pub fn has_default_key(&self) -> bool {
        self.config.api_key.is_some()
    }

    fn key(&self, per_call: Option<String>) -> Result<SecretString, AnalyzerError> {
        per_call
            .filter(|k| !k.trim().is_empty())
            .map(|k| SecretString::from(k.trim().to_owned()))
            .or_else(|| self.config.api_key.clone())
            .ok_or_else(|| AnalyzerError::Unavailable("no api key".to_owned()))
    }

    fn body(&self, input: &AnalysisInput) -> Result<Vec<u8>, AnalyzerError> {
        let user = serde_json::to_string(input)
            .map_err(|_| AnalyzerError::Unavailable("cannot encode the input".to_owned()))?;
        let request = ChatRequest {
            model: &self.config.model,
            messages: [
                ChatMessage {
                    role: "system",
                    content: SYSTEM_PROMPT,
                },
                ChatMessage {
                    role: "user",
                    content: &user,
                },
            ],
            temperature: self.config.temperature,
            response_format: ResponseFormat {
                kind: "json_schema",
                json_schema: JsonSchema {
                    name: SCHEMA_NAME,
                    strict: true,
                    schema: self.schema.clone(),
                },
            },
        };
        serde_json::to_vec(&request)
            .map_err(|_| AnalyzerError::Unavailable("cannot encode the request".to_owned()))
    }

    /// Posts `body`, retrying 429 and 5xx answers, within the total timeout.
    async fn call(&self, key: &SecretString, body: Vec<u8>) -> Result<ChatResponse, AnalyzerError> {
        if let Err(refused) = infra_egress::check_url(&self.config.egress, &self.endpoint) {
            return Err(AnalyzerError::Unavailable(refused.to_string()));
        }
        let total = self.config.total_timeout;
        tokio::time::timeout(total, self.attempts(key, body))
            .await
            .unwrap_or_else(|_| {
                Err(AnalyzerError::Unavailable(format!(
                    "no answer within {} s",
                    total.as_secs()
                )))
            })
    }

    async fn attempts(
        &self,
        key: &SecretString,
        body: Vec<u8>,
    ) -> Result<ChatResponse, AnalyzerError> {
        let max_retries = self.config.max_retries.min(MAX_RETRIES);
        let mut attempt = 0;
        loop {
            let response = self
                .http
                .post(&self.endpoint)
                .bearer_auth(key.expose_secret())
                .header(CONTENT_TYPE, "application/json")
                .timeout(self.config.timeout)
                .body(body.clone())
                .send()
                .await
                .map_err(|e| transport_error(&e, self.config.timeout))?;
            let status = response.status();
            if status.is_success() {
                let bytes = read(response, MAX_RESPONSE_BYTES, self.config.timeout).await?;
                return serde_json::from_slice(&bytes).map_err(|_| {
                    AnalyzerError::InvalidOutput("the response is not a chat completion".to_owned())
                });
            }
            if status.is_redirection() {
                return Err(AnalyzerError::Unavailable(format!(
                    "status {} (redirects are not followed: check the base URL)",
                    status.as_u16()
                )));
            }
            let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
            if retryable && attempt < max_retries {
                let wait = self.wait_before_retry(response.headers(), attempt);
                tracing::warn!(
                    status = status.as_u16(),
                    attempt = attempt + 1,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    "openai: retrying"
                );
                drop(response);
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            let kind = read(response, MAX_ERROR_BYTES, self.config.timeout)
                .await
                .ok()
                .and_then(|b| serde_json::from_slice::<ErrorBody>(&b).ok())
                .and_then(|b| b.error.kind.or_else(|| b.error.code.map(|c| c.to_string())));
            let mut why = format!("status {}", status.as_u16());
            if let Some(kind) = kind {
                why.push_str(&format!(" ({})", kind.chars().take(60).collect::<String>()));
            }
            if retryable {
                why.push_str(&format!(" after {attempt} retries"));
            }
            return Err(AnalyzerError::Unavailable(why));
        }
    }

    /// `Retry-After` (or OpenAI's `retry-after-ms`) when given, else an exponential backoff;
    /// never more than the configured cap.
    fn wait_before_retry(&self, headers: &HeaderMap, attempt: u32) -> Duration {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        let asked = header("retry-after-ms")
            .map(|ms| Duration::from_secs_f64(ms.min(3.6e6) / 1000.0))
            .or_else(|| header("retry-after").map(|s| Duration::from_secs_f64(s.min(3600.0))));
        let wait = asked.unwrap_or_else(|| {
            self.config
                .backoff
                .saturating_mul(2u32.saturating_pow(attempt))
        });
        wait.min(self.config.max_retry_wait)
    }
}

/// The most of an error answer read (for its `error.type`).
const MAX_ERROR_BYTES: usize = 16 * 1024;

/// The body, at most `max` bytes (a longer one is an error, never read to its end).
async fn read(
    response: reqwest::Response,
    max: usize,
    timeout: Duration,
) -> Result<Vec<u8>, AnalyzerError> {
    infra_egress::read_capped(response, max)
        .await
        .map_err(|e| match e {
            infra_egress::ReadError::TooLarge => AnalyzerError::InvalidOutput(format!(
                "the response is larger than {} KiB",
                max / 1024
            )),
            infra_egress::ReadError::Transport(e) => transport_error(&e, timeout),
        })
}

/// Why a request did not get an answer, without the URL or any body.
fn transport_error(e: &reqwest::Error, timeout: Duration) -> AnalyzerError {
    if let Some(refused) = infra_egress::refusal(e) {
        return AnalyzerError::Unavailable(refused.to_string());
    }
    let why = if e.is_timeout() {
        format!("timed out after {} ms", timeout.as_millis())
    } else if e.is_builder() {
        "invalid request (check the API key)".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        "transport error".to_owned()
    };
    AnalyzerError::Unavailable(why)
}

/// The input with every text masked again (phones, e-mails, CPFs) and cut: the caller masks
/// names too, this is the last line of defence before the network.
fn sanitized(mut input: AnalysisInput) -> AnalysisInput {
    for message in &mut input.messages {
        message.text = mask_and_cut(&message.text, None, MESSAGE_MAX_CHARS);
    }
    input
}

fn elapsed_ms(started: Instant) -> u32 {
    u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX)
}

#[async_trait]
impl ContextAnalyzer for OpenAiAnalyzer {
    async fn analyze(
        &self,
        input: AnalysisInput,
        api_key: Option<String>,
    ) -> Result<AnalysisReport, AnalyzerError> {
        let started = Instant::now();
        let key = self.key(api_key)?;
        let input = sanitized(input);
        let known: HashSet<InteractionId> = input.messages.iter().map(|m| m.id).collect();
        let body = self.body(&input)?;
        let response = self.call(&key, body).await?;
        let analysis = analysis_from(&response, &known)?;
        let usage = response.usage.as_ref();
        let report = AnalysisReport {
            analysis,
            analyzer: ANALYZER_NAME.to_owned(),
            model: response
                .model
                .clone()
                .or_else(|| Some(self.config.model.clone())),
            prompt_tokens: usage.and_then(|u| u.prompt_tokens),
            completion_tokens: usage.and_then(|u| u.completion_tokens),
            latency_ms: elapsed_ms(started),
        };
        tracing::debug!(
            model = report.model.as_deref().unwrap_or_default(),
            prompt_tokens = report.prompt_tokens,
            completion_tokens = report.completion_tokens,
            latency_ms = report.latency_ms,
            "openai: analysis done"
        );
        Ok(report)
    }
}
