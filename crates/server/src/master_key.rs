//! Where the master key of integration secrets comes from.
//!
//! `ATENDE_MASTER_KEY` (and, during a rotation, `ATENDE_MASTER_KEY_PREVIOUS`) when set. Else, in
//! development only, a key generated once and kept OUTSIDE the repository at
//! `$HOME/.config/atende/dev-master-key` (directory 0700, file 0600), reused on later runs, so
//! secrets saved in a local database stay readable across restarts. Production refuses to start
//! without `ATENDE_MASTER_KEY` (see [`MasterKeySettings::require`]).
//!
//! Everything here takes its inputs (settings, home directory) as arguments: tests pass a
//! temporary directory or a fixed key and never touch the real `$HOME`.

use crate::config::{Environment, MasterKeySettings};
use anyhow::{Context, bail};
use infra_crypto::{MasterKey, SecretBox};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The development key's path under the home directory.
pub const DEV_KEY_PATH: &str = ".config/atende/dev-master-key";

/// Where the key in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `ATENDE_MASTER_KEY`.
    Environment,
    /// The development key file (`created` on this run or reused).
    DevFile {
        /// Its path.
        path: PathBuf,
        /// Generated on this run.
        created: bool,
    },
    /// Development with no home directory (e.g. a bare test environment): a random key for this
    /// process only; secrets saved now are unreadable after a restart.
    Ephemeral,
}

/// The process's secret box for `config`: the one resolver every command uses (`serve`,
/// `worker`, `seed --demo`, `seed --scale`, `snapshots run-daily`). It logs where the key came
/// from when that is not the environment (a development file, or a throwaway key).
///
/// # Errors
/// As [`resolve`].
pub fn for_process(config: &crate::config::Config) -> anyhow::Result<(SecretBox, KeySource)> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let (keys, source) = resolve(&config.master_keys, config.env, home.as_deref())
        .context("resolving the master key of integration secrets")?;
    match &source {
        KeySource::Environment => {}
        KeySource::DevFile { path, created } => tracing::warn!(
            path = %path.display(),
            created,
            "ATENDE_MASTER_KEY is not set: using the development master key kept outside the \
             repository at this path (set ATENDE_MASTER_KEY in production)"
        ),
        KeySource::Ephemeral => tracing::warn!(
            "ATENDE_MASTER_KEY is not set and there is no HOME: using a random master key for \
             this process only; integration secrets saved now will be unreadable after a restart"
        ),
    }
    Ok((keys, source))
}

/// The secret box for `settings` in `env`, with `home` as the place of the development key.
///
/// # Errors
/// Production without `ATENDE_MASTER_KEY`; in development, an unreadable or malformed key file.
pub fn resolve(
    settings: &MasterKeySettings,
    env: Environment,
    home: Option<&Path>,
) -> anyhow::Result<(SecretBox, KeySource)> {
    settings.require(env)?;
    if let Some(current) = &settings.current {
        let keys = SecretBox::new(current.clone(), settings.previous.clone());
        return Ok((keys, KeySource::Environment));
    }
    let Some(home) = home else {
        let key = MasterKey::generate().context("generating an ephemeral master key")?;
        return Ok((SecretBox::new(key, None), KeySource::Ephemeral));
    };
    let path = home.join(DEV_KEY_PATH);
    let (key, created) = dev_key(&path)?;
    Ok((
        SecretBox::new(key, None),
        KeySource::DevFile { path, created },
    ))
}

/// Reads the development key at `path`, or generates it there (parent directories 0700, file
/// 0600, never overwritten).
///
/// # Errors
/// When the file cannot be read or written, or does not hold a key.
pub fn dev_key(path: &Path) -> anyhow::Result<(MasterKey, bool)> {
    if let Some(key) = read_key(path)? {
        return Ok((key, false));
    }
    if let Some(dir) = path.parent() {
        create_private_dir(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let key = MasterKey::generate().context("generating a development master key")?;
    match create_private_file(path) {
        Ok(mut file) => {
            file.write_all(format!("{}\n", key.expose_base64()).as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing {}", path.display()))?;
            Ok((key, true))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read_key(path)? {
            Some(key) => Ok((key, false)),
            None => bail!("{} vanished while being created", path.display()),
        },
        Err(e) => Err(e).with_context(|| format!("creating {}", path.display())),
    }
}

fn read_key(path: &Path) -> anyhow::Result<Option<MasterKey>> {
    match std::fs::read_to_string(path) {
        Ok(text) => MasterKey::from_base64(&text).map(Some).map_err(|_| {
            anyhow::anyhow!(
                "{} does not hold a base64 master key of 32 bytes",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::config::{Config, ConfigError};
    use uuid::Uuid;

    const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const KEY_B: &str = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=";

    fn scratch() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("atende-key-test-{}", Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn settings(src: &[(&str, &str)]) -> Result<MasterKeySettings, ConfigError> {
        struct Pairs<'a>(&'a [(&'a str, &'a str)]);
        impl crate::config::Source for Pairs<'_> {
            fn get(&self, name: &str) -> Option<String> {
                self.0
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        }
        MasterKeySettings::from_source(&Pairs(src))
    }

    #[test]
    fn keys_are_parsed_and_bad_ones_named_without_their_value() {
        let s = settings(&[
            ("ATENDE_MASTER_KEY", KEY_B),
            ("ATENDE_MASTER_KEY_PREVIOUS", KEY_A),
        ])
        .unwrap();
        assert!(s.current.is_some() && s.previous.is_some());
        let e = settings(&[("ATENDE_MASTER_KEY", "c2hvcnQ=")]).unwrap_err();
        assert_eq!(e.name, "ATENDE_MASTER_KEY");
        assert!(!e.to_string().contains("c2hvcnQ="));
        let e = settings(&[
            ("ATENDE_MASTER_KEY", KEY_A),
            ("ATENDE_MASTER_KEY_PREVIOUS", "nope"),
        ])
        .unwrap_err();
        assert_eq!(e.name, "ATENDE_MASTER_KEY_PREVIOUS");
        let e = settings(&[("ATENDE_MASTER_KEY_PREVIOUS", KEY_A)]).unwrap_err();
        assert_eq!(e.name, "ATENDE_MASTER_KEY_PREVIOUS");
    }

    #[test]
    fn the_config_carries_the_keys() {
        let c = Config::from_source(&[
            ("DATABASE_URL", "postgres://u@h/db"),
            ("ATENDE_MASTER_KEY", KEY_A),
        ])
        .unwrap();
        assert!(c.master_keys.current.is_some());
        assert!(!format!("{c:?}").contains(KEY_A));
    }

    #[test]
    fn production_requires_a_key() {
        let none = MasterKeySettings::default();
        let e = none.require(Environment::Production).unwrap_err();
        assert_eq!(e.name, "ATENDE_MASTER_KEY");
        assert!(none.require(Environment::Development).is_ok());
        let err = resolve(&none, Environment::Production, Some(&scratch())).unwrap_err();
        assert!(err.to_string().contains("ATENDE_MASTER_KEY"));
    }

    #[test]
    fn development_without_a_home_gets_a_key_for_this_process_only() {
        let (keys, source) = resolve(
            &MasterKeySettings::default(),
            Environment::Development,
            None,
        )
        .unwrap();
        assert_eq!(source, KeySource::Ephemeral);
        let (company, integration) = (Uuid::now_v7(), Uuid::now_v7());
        let blob = keys.seal(company, integration, b"x").unwrap();
        assert!(keys.open(company, integration, &blob).is_ok());
    }

    #[test]
    fn a_configured_key_wins_and_touches_no_file() {
        let home = scratch();
        let s = settings(&[("ATENDE_MASTER_KEY", KEY_A)]).unwrap();
        let (_, source) = resolve(&s, Environment::Development, Some(&home)).unwrap();
        assert_eq!(source, KeySource::Environment);
        assert!(!home.join(DEV_KEY_PATH).exists());
    }

    #[test]
    fn development_generates_a_private_key_once_and_reuses_it() {
        let home = scratch();
        let none = MasterKeySettings::default();
        let (first, source) = resolve(&none, Environment::Development, Some(&home)).unwrap();
        let path = home.join(DEV_KEY_PATH);
        assert_eq!(
            source,
            KeySource::DevFile {
                path: path.clone(),
                created: true
            }
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let (second, source) = resolve(&none, Environment::Development, Some(&home)).unwrap();
        assert_eq!(
            source,
            KeySource::DevFile {
                path: path.clone(),
                created: false
            }
        );
        let (company, integration) = (Uuid::now_v7(), Uuid::now_v7());
        let blob = first.seal(company, integration, b"kept").unwrap();
        assert_eq!(
            second.open(company, integration, &blob).unwrap().expose(),
            b"kept"
        );
        std::fs::write(&path, "garbage").unwrap();
        assert!(resolve(&none, Environment::Development, Some(&home)).is_err());
        std::fs::remove_dir_all(home).unwrap();
    }
}
