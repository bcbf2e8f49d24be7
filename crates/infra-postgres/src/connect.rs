//! Opening connections: every connection of Atende (the pool, migrations, the CLI, the job
//! listener, test databases) is made here, so the TLS and pooler settings of a URL apply to all.
//!
//! The URL is libpq's (`postgres://user:pass@host:port/db?…`) and its query parameters are
//! tokio-postgres's, plus the ones this module reads and removes first:
//! - `sslmode` = `disable | prefer | require | verify-ca | verify-full` (default `prefer`, as
//!   libpq; see [`crate::tls`] for what each checks);
//! - `sslrootcert` = a PEM file of trusted roots (default, or `system`: the operating system's);
//! - `pgbouncer=true`: the URL reaches a transaction-mode pooler ([`ConnectSpec::behind_pooler`]).

use crate::tls::{Roots, RustlsConnector, Verification};
use diesel::ConnectionError;
use diesel::connection::CacheSize;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use std::str::FromStr;
use std::sync::Arc;

/// libpq's `sslmode` (`allow` is not supported: it tries plain text first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never encrypt.
    Disable,
    /// Encrypt when the server offers it; the certificate is not checked.
    Prefer,
    /// Encrypt or fail; the certificate is checked only against an explicit `sslrootcert`.
    Require,
    /// Encrypt, and the certificate must chain to a trusted root.
    VerifyCa,
    /// As `verify-ca`, and the certificate must name the host connected to.
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = ConnectSpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "disable" => Ok(Self::Disable),
            "prefer" => Ok(Self::Prefer),
            "require" => Ok(Self::Require),
            "verify-ca" => Ok(Self::VerifyCa),
            "verify-full" => Ok(Self::VerifyFull),
            _ => Err(ConnectSpecError(
                "sslmode must be disable, prefer, require, verify-ca or verify-full".into(),
            )),
        }
    }
}

impl SslMode {
    /// The URL spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }
}

/// A connection URL that cannot be used. The message names the parameter, never its value (a
/// URL may hold a password).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConnectSpecError(String);

/// A parsed connection URL: where to connect and how to secure it.
#[derive(Clone)]
pub struct ConnectSpec {
    config: tokio_postgres::Config,
    ssl_mode: SslMode,
    roots: Roots,
    root_cert_given: bool,
    behind_pooler: bool,
}

impl std::fmt::Debug for ConnectSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectSpec")
            .field("hosts", &self.config.get_hosts())
            .field("ports", &self.config.get_ports())
            .field("ssl_mode", &self.ssl_mode)
            .field("behind_pooler", &self.behind_pooler)
            .finish_non_exhaustive()
    }
}

impl ConnectSpec {
    /// Parses `url`.
    ///
    /// # Errors
    /// [`ConnectSpecError`] naming the parameter that is wrong.
    pub fn parse(url: &str) -> Result<Self, ConnectSpecError> {
        let (base, query) = match url.split_once('?') {
            Some((b, q)) => (b, q),
            None => (url, ""),
        };
        let mut ssl_mode = SslMode::Prefer;
        let mut roots = Roots::System;
        let mut root_cert_given = false;
        let mut behind_pooler = false;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value).ok_or_else(|| {
                ConnectSpecError(format!(
                    "the URL parameter {key} is not valid percent-encoding"
                ))
            })?;
            match key {
                "sslmode" => ssl_mode = value.parse()?,
                "sslrootcert" => {
                    root_cert_given = value != "system";
                    roots = if value == "system" {
                        Roots::System
                    } else {
                        Roots::File(value.into())
                    };
                }
                "pgbouncer" => {
                    behind_pooler = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(ConnectSpecError("pgbouncer must be true or false".into()));
                        }
                    };
                }
                "sslcert" | "sslkey" | "sslpassword" => {
                    return Err(ConnectSpecError(format!(
                        "{key}: client certificates are not supported"
                    )));
                }
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        let mut config = tokio_postgres::Config::from_str(&rest).map_err(|e| {
            ConnectSpecError(format!("the connection URL is not valid: {}", redact(&e)))
        })?;
        config.ssl_mode(match ssl_mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
        // Supabase's transaction pooler listens on 6543.
        if config.get_ports() == [6543] {
            behind_pooler = true;
        }
        Ok(Self {
            config,
            ssl_mode,
            roots,
            root_cert_given,
            behind_pooler,
        })
    }

    /// The effective `sslmode`.
    #[must_use]
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// Whether the URL says it reaches a transaction-mode pooler (`pgbouncer=true`, or port
    /// 6543, Supabase's transaction pooler): `ATENDE_DB_PREPARED=auto` then keeps no statement
    /// prepared.
    #[must_use]
    pub fn behind_pooler(&self) -> bool {
        self.behind_pooler
    }

    /// The rustls side of this URL, built once and shared by every connection made with it.
    ///
    /// # Errors
    /// When the trusted roots cannot be loaded.
    pub fn tls(&self) -> Result<TlsSetup, ConnectSpecError> {
        let verification = match self.ssl_mode {
            SslMode::Disable => return Ok(TlsSetup(RustlsConnector(None))),
            SslMode::Prefer | SslMode::Require if self.root_cert_given => Verification::Chain,
            SslMode::Prefer | SslMode::Require => Verification::None,
            SslMode::VerifyCa => Verification::Chain,
            SslMode::VerifyFull => Verification::Full,
        };
        crate::tls::client_config(verification, &self.roots)
            .map(|c| TlsSetup(RustlsConnector(Some(c))))
            .map_err(ConnectSpecError)
    }

    /// Opens a raw tokio-postgres connection (the caller drives the returned connection).
    ///
    /// # Errors
    /// When the server cannot be reached, refuses the login, or fails the TLS checks.
    pub async fn connect_raw(
        &self,
        tls: &TlsSetup,
    ) -> Result<
        (
            tokio_postgres::Client,
            tokio_postgres::Connection<tokio_postgres::Socket, crate::tls::RustlsStream>,
        ),
        tokio_postgres::Error,
    > {
        self.config.connect(tls.0.clone()).await
    }

    /// Opens a diesel connection. With `prepared` false nothing is kept prepared on the server:
    /// diesel's statement cache is off (each statement is prepared, run and closed inside the
    /// caller's transaction), and the connection's own set-up statements run inside one
    /// transaction, so a transaction-mode pooler keeps each on one server connection.
    ///
    /// # Errors
    /// [`ConnectionError`] when the server cannot be reached or the TLS checks fail.
    pub async fn establish(
        &self,
        tls: &TlsSetup,
        prepared: bool,
    ) -> Result<AsyncPgConnection, ConnectionError> {
        let (client, mut connection) = self
            .connect_raw(tls)
            .await
            .map_err(|e| ConnectionError::BadConnection(describe(&e)))?;
        if prepared {
            return AsyncPgConnection::try_from_client_and_connection(client, connection).await;
        }
        // BEGIN is sent before diesel takes the connection over, so the connection is driven
        // here until it is answered.
        {
            let begin = client.batch_execute("BEGIN");
            tokio::pin!(begin);
            tokio::select! {
                r = &mut begin => r.map_err(|e| ConnectionError::BadConnection(describe(&e)))?,
                r = &mut connection => {
                    return Err(ConnectionError::BadConnection(match r {
                        Ok(()) => "the server closed the connection".to_owned(),
                        Err(e) => describe(&e),
                    }));
                }
            }
        }
        let mut conn =
            AsyncPgConnection::try_from_client_and_connection(client, connection).await?;
        conn.batch_execute("COMMIT")
            .await
            .map_err(ConnectionError::CouldntSetupConfiguration)?;
        conn.set_prepared_statement_cache_size(CacheSize::Disabled);
        Ok(conn)
    }
}

/// The TLS configuration of one URL (see [`ConnectSpec::tls`]).
#[derive(Clone)]
pub struct TlsSetup(RustlsConnector);

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TlsSetup")
            .field(&self.0.0.is_some())
            .finish()
    }
}

/// Opens one connection to `url` with its TLS settings; statements stay prepared unless the URL
/// names a pooler. For one-off connections (migrations, the CLI, the job listener, tests).
///
/// # Errors
/// [`ConnectionError::InvalidConnectionUrl`] for a bad URL, else as [`ConnectSpec::establish`].
pub async fn establish(url: &str) -> Result<AsyncPgConnection, ConnectionError> {
    let spec = ConnectSpec::parse(url)
        .map_err(|e| ConnectionError::InvalidConnectionUrl(e.to_string()))?;
    let tls = spec
        .tls()
        .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
    let prepared = !spec.behind_pooler();
    spec.establish(&tls, prepared).await
}

/// `url` with `sslmode=mode` added when it names none (`ATENDE_DB_SSLMODE` is the default; the
/// URL's own `sslmode` wins, as libpq's `PGSSLMODE` does).
#[must_use]
pub fn with_default_sslmode(url: &str, mode: SslMode) -> String {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    if query.split('&').any(|p| p.starts_with("sslmode=")) {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}sslmode={}", mode.as_str())
}

/// An error with its causes (tokio-postgres shows "error performing TLS handshake" and keeps
/// the reason, e.g. the certificate's, in its source).
#[must_use]
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The error text without anything that could be a password.
fn redact(e: &tokio_postgres::Error) -> String {
    let text = e.to_string();
    if text.contains("password") {
        "invalid password parameter".to_owned()
    } else {
        text
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The pool's connection factory: parses once, builds TLS once.
pub(crate) fn setup_callback(
    spec: ConnectSpec,
    tls: TlsSetup,
    prepared: bool,
) -> diesel_async::pooled_connection::SetupCallback<AsyncPgConnection> {
    let shared = Arc::new((spec, tls));
    Box::new(move |_url| {
        let shared = shared.clone();
        Box::pin(async move { shared.0.establish(&shared.1, prepared).await })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_rootcert_are_read_and_removed_before_tokio_postgres_sees_them() {
        let s = ConnectSpec::parse(
            "postgres://u:p@db.example.com:5433/atende?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.ssl_mode(), SslMode::VerifyFull);
        assert_eq!(s.roots, Roots::File("/etc/ca.pem".into()));
        assert!(s.root_cert_given);
        assert_eq!(s.config.get_application_name(), Some("x"));
        assert!(!s.behind_pooler());
        let s = ConnectSpec::parse("postgres://u@h/db").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.ssl_mode(), SslMode::Prefer, "libpq's default");
        assert_eq!(s.roots, Roots::System);
    }

    #[test]
    fn poolers_are_recognised_by_parameter_or_supabase_port() {
        let parse = |u: &str| ConnectSpec::parse(u).unwrap_or_else(|e| panic!("{e}"));
        assert!(parse("postgres://u@h:6432/db?pgbouncer=true").behind_pooler());
        assert!(
            parse("postgres://u@aws-0-sa-east-1.pooler.supabase.com:6543/postgres").behind_pooler()
        );
        assert!(!parse("postgres://u@h:5432/db?pgbouncer=false").behind_pooler());
    }

    #[test]
    fn bad_values_are_named_without_echoing_the_url() {
        for (url, needle) in [
            ("postgres://u:secret@h/db?sslmode=allow", "sslmode"),
            (
                "postgres://u:secret@h/db?sslmode=verify-full&sslcert=/c",
                "sslcert",
            ),
            ("postgres://u:secret@h/db?pgbouncer=yes", "pgbouncer"),
            ("postgres://u:secret@h/db?sslrootcert=%zz", "sslrootcert"),
        ] {
            let e = ConnectSpec::parse(url).map(|_| ()).unwrap_err_or_panic();
            assert!(e.0.contains(needle), "{url}: {e}");
            assert!(!e.0.contains("secret"), "{e}");
        }
    }

    #[test]
    fn the_default_sslmode_never_overrides_the_urls_own() {
        assert_eq!(
            with_default_sslmode("postgres://h/db", SslMode::Require),
            "postgres://h/db?sslmode=require"
        );
        assert_eq!(
            with_default_sslmode("postgres://h/db?a=b", SslMode::VerifyFull),
            "postgres://h/db?a=b&sslmode=verify-full"
        );
        assert_eq!(
            with_default_sslmode("postgres://h/db?sslmode=disable", SslMode::Require),
            "postgres://h/db?sslmode=disable"
        );
    }

    trait UnwrapErr<E> {
        fn unwrap_err_or_panic(self) -> E;
    }
    impl<E> UnwrapErr<E> for Result<(), E> {
        fn unwrap_err_or_panic(self) -> E {
            match self {
                Ok(()) => panic!("expected an error"),
                Err(e) => e,
            }
        }
    }
}
