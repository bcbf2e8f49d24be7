//! `atende keys …`: the master key of integration secrets.

use crate::cli::KeysAction;
use crate::config::{Config, ConfigError};
use crate::wiring;
use anyhow::Context;
use infra_crypto::MasterKey;
use infra_crypto::secret_cipher::BoxCipher;
use std::sync::Arc;

/// What `atende keys …` needs from the configuration before it starts.
///
/// # Errors
/// `rotate` without `ATENDE_MASTER_KEY` (the new key) or `ATENDE_MASTER_KEY_PREVIOUS` (the old).
pub fn preflight(action: &KeysAction, config: &Config) -> Result<(), ConfigError> {
    match action {
        KeysAction::Generate => Ok(()),
        KeysAction::Rotate => {
            if config.master_keys.current.is_none() {
                return Err(ConfigError {
                    name: "ATENDE_MASTER_KEY",
                    reason: "must be set to the NEW master key for `atende keys rotate`".into(),
                });
            }
            if config.master_keys.previous.is_none() {
                return Err(ConfigError {
                    name: "ATENDE_MASTER_KEY_PREVIOUS",
                    reason: "must be set to the OLD master key for `atende keys rotate`".into(),
                });
            }
            Ok(())
        }
    }
}

/// Runs `atende keys generate` or `atende keys rotate`.
///
/// # Errors
/// When no key can be generated, the keys are not configured, the database fails, or some
/// secrets open with neither key.
pub async fn run(config: &Config, action: KeysAction) -> anyhow::Result<()> {
    match action {
        KeysAction::Generate => {
            let key = MasterKey::generate().context("generating a master key")?;
            println!("{}", key.expose_base64());
            Ok(())
        }
        KeysAction::Rotate => {
            preflight(&KeysAction::Rotate, config)?;
            let (Some(current), previous) = (
                config.master_keys.current.clone(),
                config.master_keys.previous.clone(),
            ) else {
                anyhow::bail!("ATENDE_MASTER_KEY is not set");
            };
            let db = wiring::database(config)?;
            let cipher = Arc::new(BoxCipher::from_keys(current, previous));
            let report = infra_postgres::integrations::reencrypt_all(&db, cipher)
                .await
                .context("re-encrypting integration secrets")?;
            println!(
                "re-encrypted {} of {} integration(s) with secrets in {} clinic(s) under the new master key",
                report.reencrypted, report.integrations, report.clinics
            );
            if report.reencrypted == 0 {
                println!("nothing to do: every secret is already under the new key");
            } else {
                println!(
                    "ATENDE_MASTER_KEY_PREVIOUS can be removed once every node runs with the new key"
                );
            }
            Ok(())
        }
    }
}
