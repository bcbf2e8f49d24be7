//! The rules an integration's account id, configuration and secrets must follow.

use crate::crm::FieldIssue;
use domain::integration_admin::SecretsPatch;
use domain::integrations::{IntegrationSecrets, Provider};
use serde_json::Value;

/// Longest account id, in characters.
pub const MAX_ACCOUNT_ID_CHARS: usize = 200;
/// Largest configuration object, in bytes of compact JSON.
pub const MAX_CONFIG_BYTES: usize = 8 * 1024;
/// Shortest secret, in characters.
pub const MIN_SECRET_CHARS: usize = 8;
/// Longest secret, in characters.
pub const MAX_SECRET_CHARS: usize = 512;
/// Words that make a configuration key look like a secret (compared case-insensitively).
pub const SECRET_LIKE_WORDS: [&str; 4] = ["secret", "token", "key", "password"];

const MAX_URL_CHARS: usize = 2048;

/// Problems with an account id.
pub(crate) fn account_id(value: &str, issues: &mut Vec<FieldIssue>) {
    let chars = value.chars().count();
    if value.trim().is_empty() || chars > MAX_ACCOUNT_ID_CHARS {
        issues.push(FieldIssue::new(
            "account_id",
            "must be 1 to 200 characters, not blank",
        ));
    } else if value.chars().any(char::is_control) {
        issues.push(FieldIssue::new(
            "account_id",
            "must not contain control characters",
        ));
    }
}

/// Problems with a configuration for `provider`.
pub(crate) fn config(provider: Provider, config: &Value, issues: &mut Vec<FieldIssue>) {
    let Some(object) = config.as_object() else {
        issues.push(FieldIssue::new("config", "must be a JSON object"));
        return;
    };
    if config.to_string().len() > MAX_CONFIG_BYTES {
        issues.push(FieldIssue::new("config", "must be at most 8 KiB of JSON"));
        return;
    }
    if let Some(path) = secret_like_key(config, "config") {
        issues.push(FieldIssue::new(
            "config",
            format!("`{path}` looks like a secret: put secrets in `secrets`, never in `config`"),
        ));
    }
    match provider {
        Provider::N8n => match object.get("outbound_url") {
            None | Some(Value::Null) => issues.push(FieldIssue::new(
                "config.outbound_url",
                "is required for n8n (the URL of the n8n webhook Atende calls)",
            )),
            Some(url) => url_field("config.outbound_url", url, issues),
        },
        Provider::Openai => {
            if let Some(url) = object.get("base_url") {
                url_field("config.base_url", url, issues);
            }
            if let Some(model) = object.get("model")
                && !model
                    .as_str()
                    .is_some_and(|m| (1..=200).contains(&m.chars().count()))
            {
                issues.push(FieldIssue::new(
                    "config.model",
                    "must be a string of 1 to 200 characters",
                ));
            }
        }
        Provider::Whatsapp | Provider::Instagram => {}
    }
}

/// Problems with the secrets of a new integration.
pub(crate) fn secrets(secrets: &IntegrationSecrets, issues: &mut Vec<FieldIssue>) {
    let values = [
        ("secrets.webhook_secret", &secrets.webhook_secret),
        ("secrets.app_secret", &secrets.app_secret),
        ("secrets.verify_token", &secrets.verify_token),
        ("secrets.outbound_secret", &secrets.outbound_secret),
        ("secrets.api_key", &secrets.api_key),
    ];
    for (field, value) in values
        .iter()
        .filter_map(|(f, v)| v.as_deref().map(|v| (*f, v)))
    {
        secret_value(field, value, issues);
    }
}

/// Problems with the new values of a secrets patch.
pub(crate) fn secrets_patch(patch: &SecretsPatch, issues: &mut Vec<FieldIssue>) {
    for (name, change) in patch.changes() {
        if let Some(value) = change.new_value() {
            secret_value(secret_field(name), value, issues);
        }
    }
}

fn secret_field(name: &str) -> &'static str {
    match name {
        "webhook_secret" => "secrets.webhook_secret",
        "app_secret" => "secrets.app_secret",
        "verify_token" => "secrets.verify_token",
        "outbound_secret" => "secrets.outbound_secret",
        _ => "secrets.api_key",
    }
}

fn secret_value(field: &'static str, value: &str, issues: &mut Vec<FieldIssue>) {
    if !(MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&value.chars().count()) {
        issues.push(FieldIssue::new(field, "must be 8 to 512 characters"));
    }
}

/// The path of the first key, at any depth, whose name looks like a secret.
fn secret_like_key(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::Object(map) => map.iter().find_map(|(key, inner)| {
            let here = format!("{path}.{key}");
            let lower = key.to_lowercase();
            if SECRET_LIKE_WORDS.iter().any(|w| lower.contains(w)) {
                Some(here)
            } else {
                secret_like_key(inner, &here)
            }
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, inner)| secret_like_key(inner, &format!("{path}[{i}]"))),
        _ => None,
    }
}

fn url_field(field: &'static str, value: &Value, issues: &mut Vec<FieldIssue>) {
    let verdict = value.as_str().ok_or("must be a string").and_then(check_url);
    if let Err(message) = verdict {
        issues.push(FieldIssue::new(field, message));
    }
}

/// An absolute `https://` URL, or `http://` to `localhost` / `127.0.0.1` (development only).
fn check_url(url: &str) -> Result<(), &'static str> {
    const NOT_HTTPS: &str = "must be an https:// URL (http:// only for localhost or 127.0.0.1)";
    if url.chars().count() > MAX_URL_CHARS
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("must be a URL of at most 2048 characters without spaces");
    }
    let (scheme, rest) = url.split_once("://").ok_or(NOT_HTTPS)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains('@') {
        return Err("must name a host (and no user or password)");
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err("must name a host (and no user or password)");
    }
    if let Some(why) = domain::egress::never_valid_url(url) {
        return Err(why);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if host.eq_ignore_ascii_case("localhost") || host == "127.0.0.1" => Ok(()),
        _ => Err(NOT_HTTPS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn issues_of(provider: Provider, config: Value) -> Vec<FieldIssue> {
        let mut issues = Vec::new();
        super::config(provider, &config, &mut issues);
        issues
    }

    #[test]
    fn urls() {
        for ok in [
            "https://n8n.clinic.test/webhook/x",
            "https://n8n.clinic.test:8443",
            "http://localhost:5678/webhook/x",
            "http://127.0.0.1:5678/webhook",
            "HTTPS://Example.test",
        ] {
            assert_eq!(check_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://n8n.clinic.test/webhook",
            "ftp://x.test",
            "n8n.clinic.test/webhook",
            "https://",
            "https://user:pw@x.test/",
            "https://x.test/a b",
            "http://localhost.evil.test/",
            "http://127.0.0.1.evil.test/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn n8n_needs_an_outbound_url() {
        let issues = issues_of(Provider::N8n, json!({}));
        assert_eq!(issues[0].field, "config.outbound_url");
        let issues = issues_of(Provider::N8n, json!({"outbound_url": "http://n8n.test/x"}));
        assert_eq!(issues[0].field, "config.outbound_url");
        assert!(issues_of(Provider::N8n, json!({"outbound_url": "https://n8n.test/x"})).is_empty());
    }

    #[test]
    fn openai_base_url_and_model_are_optional_but_checked() {
        assert!(issues_of(Provider::Openai, json!({})).is_empty());
        assert!(
            issues_of(
                Provider::Openai,
                json!({"base_url": "http://localhost:11434/v1", "model": "gpt-4o-mini"})
            )
            .is_empty()
        );
        let issues = issues_of(
            Provider::Openai,
            json!({"base_url": "http://api.test", "model": 3}),
        );
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["config.base_url", "config.model"]);
    }

    #[test]
    fn secret_looking_keys_are_refused_at_any_depth() {
        for config in [
            json!({"api_key": "x"}),
            json!({"nested": {"Access_Token": "x"}}),
            json!({"list": [{"password": 1}]}),
            json!({"clientSecret": "x"}),
        ] {
            let issues = issues_of(Provider::Whatsapp, config.clone());
            assert_eq!(issues.len(), 1, "{config}");
            assert_eq!(issues[0].field, "config");
            assert!(
                issues[0].message.contains("secrets"),
                "{}",
                issues[0].message
            );
        }
        assert!(
            issues_of(
                Provider::Whatsapp,
                json!({"graph_version": "v21.0", "label": "front desk"})
            )
            .is_empty()
        );
    }

    #[test]
    fn config_must_be_a_small_object() {
        assert_eq!(issues_of(Provider::Whatsapp, json!([1])).len(), 1);
        let big = json!({"blob": "x".repeat(MAX_CONFIG_BYTES)});
        assert_eq!(
            issues_of(Provider::Whatsapp, big)[0].message,
            "must be at most 8 KiB of JSON"
        );
    }

    #[test]
    fn account_ids_and_secret_lengths() {
        let mut issues = Vec::new();
        account_id("", &mut issues);
        account_id("   ", &mut issues);
        account_id(&"9".repeat(201), &mut issues);
        account_id("line\nbreak", &mut issues);
        assert_eq!(issues.len(), 4);
        let mut ok = Vec::new();
        account_id(&"9".repeat(200), &mut ok);
        account_id("123456789012345", &mut ok);
        assert!(ok.is_empty());

        let mut issues = Vec::new();
        let s = IntegrationSecrets {
            webhook_secret: Some("short".into()),
            api_key: Some("k".repeat(513)),
            app_secret: Some("exactly8".into()),
            ..Default::default()
        };
        secrets(&s, &mut issues);
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["secrets.webhook_secret", "secrets.api_key"]);
    }
}
