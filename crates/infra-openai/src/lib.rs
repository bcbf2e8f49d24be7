//! The analyst agent's model: an OpenAI-compatible chat-completions client implementing
//! [`domain::ports::analyzer::ContextAnalyzer`].
//!
//! One `POST {base_url}/chat/completions` per analysis, with a strict JSON schema as
//! `response_format` (structured outputs), a low temperature and a timeout; 429 and 5xx answers
//! are retried (at most [`MAX_RETRIES`] times, honoring `Retry-After`). The reply is parsed and
//! validated before it becomes an [`domain::snapshots::Analysis`]: a refusal, a truncated answer
//! or anything that does not fit the schema is an error, never a snapshot.
//!
//! Connections follow the egress policy (`infra_egress`: restricted addresses refused when
//! connecting, no redirects followed), answers are read up to [`MAX_RESPONSE_BYTES`], and a whole
//! analysis ends after [`DEFAULT_TOTAL_TIMEOUT`] whatever the retries.
//!
//! Neither the API key nor any message text is ever logged.

mod analyzer;
mod config;
mod prompt;
mod validate;
mod wire;

pub use analyzer::OpenAiAnalyzer;
pub use config::{
    ConfigError, DEFAULT_BASE_URL, DEFAULT_MAX_RETRY_WAIT, DEFAULT_MODEL, DEFAULT_TEMPERATURE,
    DEFAULT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, MAX_RESPONSE_BYTES, MAX_RETRIES, OpenAiConfig,
};
pub use prompt::{SCHEMA_NAME, SYSTEM_PROMPT, analysis_schema};
