//! Building the adapter from a configuration.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use infra_openai::{ConfigError, OpenAiAnalyzer, OpenAiConfig};
use secrecy::SecretString;

#[test]
fn defaults() {
    let c = OpenAiConfig::new();
    assert_eq!(c.base_url, "https://api.openai.com/v1");
    assert_eq!(c.model, "gpt-4o-mini");
    assert_eq!(c.timeout, Duration::from_secs(30));
    assert!((c.temperature - 0.2).abs() < f32::EPSILON);
    assert_eq!(c.max_retries, 3);
    assert!(c.api_key.is_none());
    assert!(OpenAiAnalyzer::new(c).is_ok());
}

#[test]
fn bad_configuration_is_refused() {
    for url in [
        "",
        "api.openai.com/v1",
        "ftp://x",
        "https://",
        "https://x/v1?a=1",
    ] {
        let got = OpenAiAnalyzer::new(OpenAiConfig::new().with_base_url(url));
        assert_eq!(got.err(), Some(ConfigError::BaseUrl), "{url}");
    }
    let got = OpenAiAnalyzer::new(OpenAiConfig::new().with_model(" "));
    assert_eq!(got.err(), Some(ConfigError::Model));
    let mut hot = OpenAiConfig::new();
    hot.temperature = 3.0;
    assert_eq!(
        OpenAiAnalyzer::new(hot).err(),
        Some(ConfigError::Temperature)
    );
}

#[test]
fn compatible_servers_are_accepted() {
    for url in [
        "http://127.0.0.1:11434/v1",
        "https://llm.internal/openai/v1/",
    ] {
        assert!(
            OpenAiAnalyzer::new(OpenAiConfig::new().with_base_url(url)).is_ok(),
            "{url}"
        );
    }
}

#[test]
fn debug_output_has_no_key() {
    let c = OpenAiConfig::new().with_api_key(SecretString::from("sk-very-secret"));
    let analyzer = OpenAiAnalyzer::new(c.clone()).unwrap();
    let text = format!("{c:?} {analyzer:?}");
    assert!(!text.contains("sk-very-secret"), "{text}");
    assert!(analyzer.has_default_key());
}
