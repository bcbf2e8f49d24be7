//! Tracing setup: JSON lines in production, pretty lines in development.
//!
//! The JSON format is the one `docs/logging.md` describes: one object per line, the event's
//! fields flattened at the top level and the request span's fields (`request_id`, `company_id`,
//! `user_id`, `conversation_id`, `http.route`, …) under `span`.

use crate::config::{Config, LogFormat};
use tracing::Subscriber;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the global subscriber once. Later calls are ignored (tests).
pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = match config.log_format {
        LogFormat::Json => {
            tracing::subscriber::set_global_default(json_subscriber(filter, std::io::stderr))
                .map_err(|e| e.to_string())
        }
        LogFormat::Pretty => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .compact()
            .try_init()
            .map_err(|e| e.to_string()),
    };
}

/// The production JSON subscriber writing to `writer` (tests capture it through this).
pub fn json_subscriber<W>(filter: EnvFilter, writer: W) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .finish()
}
