//! The OpenAPI security schemes of the API.

use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Declares `session_cookie` (our session cookie; `__Host-atende_session` in secure mode),
/// `bearer` (an `atk_` API token, or a Supabase access token in Supabase mode), the webhook
/// signatures `relay_signature` (`X-Atende-Signature`) and `meta_signature`
/// (`X-Hub-Signature-256`), and `metrics_token` (the bearer of `GET /metrics`).
pub struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "atende_session",
                "Set by POST /auth/signin (named __Host-atende_session when Secure). Unsafe \
                 methods also need an Origin of the server or ATENDE_ALLOWED_ORIGINS.",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An `atk_…` API token, or a Supabase access token in Supabase mode.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "relay_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Atende-Signature",
                "Deliveries from the n8n relay: `t=<unix seconds>,v1=<hex HMAC-SHA256(webhook_secret, \
                 \"<t>.<raw body>\")>` with the integration's `webhook_secret`; `t` within 5 \
                 minutes of the server's clock.",
            ))),
        );
        components.add_security_scheme(
            "meta_signature",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Hub-Signature-256",
                "Deliveries from Meta: `sha256=<hex HMAC-SHA256(app_secret, raw body)>` with the \
                 integration's `app_secret`.",
            ))),
        );
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`Authorization: Bearer <ATENDE_METRICS_TOKEN>`."))
                    .build(),
            ),
        );
    }
}
