//! Adapter configuration.

use std::fmt;
use std::time::Duration;

use domain::egress::EgressPolicy;
use secrecy::SecretString;

/// OpenAI's API base.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// A small, cheap model that supports structured outputs.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
/// Timeout of each HTTP attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Low: the same input should give (nearly) the same analysis.
pub const DEFAULT_TEMPERATURE: f32 = 0.2;
/// Most retries after the first attempt (on 429 and 5xx only).
pub const MAX_RETRIES: u32 = 3;
/// Longest single wait between attempts, whatever `Retry-After` asks for.
pub const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(20);
/// The longest an analysis may take, attempts and waits included (below the analyst's
/// reservation lease of 5 minutes).
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(180);
/// The largest chat completion read (the analysis itself is a few KiB).
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// How to reach an OpenAI-compatible server.
#[derive(Clone)]
pub struct OpenAiConfig {
    /// API base, e.g. `https://api.openai.com/v1` (a trailing `/` is ignored).
    pub base_url: String,
    /// Key used when a call brings none (`OPENAI_API_KEY`); `None` means calls without a key
    /// fail as unavailable.
    pub api_key: Option<SecretString>,
    /// The model name sent in each request.
    pub model: String,
    /// Timeout of each HTTP attempt.
    pub timeout: Duration,
    /// Sampling temperature.
    pub temperature: f32,
    /// Retries after the first attempt (at most [`MAX_RETRIES`] are used).
    pub max_retries: u32,
    /// Cap on each wait between attempts (`Retry-After` or the backoff).
    pub max_retry_wait: Duration,
    /// First backoff when the server gives no `Retry-After`; doubles on each retry.
    pub backoff: Duration,
    /// The longest a whole analysis may take (attempts and waits included).
    pub total_timeout: Duration,
    /// Where the adapter may connect (default: the strict production policy).
    pub egress: EgressPolicy,
}

impl OpenAiConfig {
    /// OpenAI's API with the default model, timeout, temperature and retries, and no default key.
    #[must_use]
    pub fn new() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_key: None,
            model: DEFAULT_MODEL.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            temperature: DEFAULT_TEMPERATURE,
            max_retries: MAX_RETRIES,
            max_retry_wait: DEFAULT_MAX_RETRY_WAIT,
            backoff: Duration::from_millis(500),
            total_timeout: DEFAULT_TOTAL_TIMEOUT,
            egress: EgressPolicy::default(),
        }
    }

    /// Sets the API base (any OpenAI-compatible server).
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the default API key.
    #[must_use]
    pub fn with_api_key(mut self, key: SecretString) -> Self {
        self.api_key = Some(key);
        self
    }

    /// Sets the model.
    #[must_use]
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Sets the timeout of each attempt.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the cap on each wait between attempts (tests use a few milliseconds).
    #[must_use]
    pub fn with_max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    /// Sets the egress policy (development allows a model server on loopback or a private
    /// network; production refuses them unless the operator allows their block).
    #[must_use]
    pub fn with_egress(mut self, egress: EgressPolicy) -> Self {
        self.egress = egress;
        self
    }

    /// Sets the longest a whole analysis may take.
    #[must_use]
    pub fn with_total_timeout(mut self, timeout: Duration) -> Self {
        self.total_timeout = timeout;
        self
    }

    /// Sets the first backoff used when the server gives no `Retry-After`.
    #[must_use]
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }
}

impl Default for OpenAiConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for OpenAiConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("temperature", &self.temperature)
            .field("max_retries", &self.max_retries)
            .field("max_retry_wait", &self.max_retry_wait)
            .field("backoff", &self.backoff)
            .field("total_timeout", &self.total_timeout)
            .field("egress", &self.egress.mode())
            .finish()
    }
}

/// The configuration cannot make a working adapter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The base URL is not an `http(s)://` URL without query or fragment.
    #[error("invalid OpenAI base URL")]
    BaseUrl,
    /// The model name is empty.
    #[error("empty OpenAI model name")]
    Model,
    /// The temperature is outside 0..=2.
    #[error("OpenAI temperature must be between 0 and 2")]
    Temperature,
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client")]
    Client,
}

impl OpenAiConfig {
    /// The base URL without a trailing `/`, checked.
    pub(crate) fn checked_base(&self) -> Result<String, ConfigError> {
        let base = self.base_url.trim().trim_end_matches('/');
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or(ConfigError::BaseUrl)?;
        if rest.is_empty() || rest.starts_with('/') || rest.contains(['?', '#', ' ']) {
            return Err(ConfigError::BaseUrl);
        }
        if self.model.trim().is_empty() {
            return Err(ConfigError::Model);
        }
        if !(0.0..=2.0).contains(&self.temperature) {
            return Err(ConfigError::Temperature);
        }
        Ok(base.to_owned())
    }
}
