//! Constructing the adapter from a configuration.

use std::time::Duration;

use infra_supabase::{SupabaseAuth, SupabaseConfig, SupabaseError};
use secrecy::SecretString;

fn config(url: &str) -> SupabaseConfig {
    SupabaseConfig::new(url, SecretString::from("anon"))
}

#[test]
fn defaults() {
    let c = config("https://abc.supabase.co");
    assert_eq!(c.jwks_ttl, Duration::from_secs(600));
    assert_eq!(c.http_timeout, Duration::from_secs(10));
    assert!(c.jwt_secret.is_none());
}

#[test]
fn accepts_project_urls_with_or_without_trailing_slash() {
    for url in [
        "https://abc.supabase.co",
        "https://abc.supabase.co/",
        "http://127.0.0.1:54321",
    ] {
        assert!(SupabaseAuth::new(config(url)).is_ok(), "{url}");
    }
}

#[test]
fn refuses_bad_configuration() {
    for url in [
        "",
        "abc.supabase.co",
        "ftp://abc.supabase.co",
        "https://abc.supabase.co?x=1",
    ] {
        let got = SupabaseAuth::new(config(url));
        assert!(matches!(got, Err(SupabaseError::Config(_))), "{url}");
    }
    let empty_secret = config("https://abc.supabase.co").with_jwt_secret(SecretString::from(""));
    assert!(matches!(
        SupabaseAuth::new(empty_secret),
        Err(SupabaseError::Config(_))
    ));
    let bad_key = SupabaseConfig::new("https://abc.supabase.co", SecretString::from("a\nb"));
    assert!(matches!(
        SupabaseAuth::new(bad_key),
        Err(SupabaseError::Config(_))
    ));
}

#[test]
fn debug_output_has_no_secrets() {
    let c = config("https://abc.supabase.co").with_jwt_secret(SecretString::from("hs-secret"));
    let auth = SupabaseAuth::new(c.clone()).unwrap();
    let text = format!("{c:?} {auth:?}");
    assert!(
        !text.contains("hs-secret") && !text.contains("\"anon\""),
        "{text}"
    );
}
