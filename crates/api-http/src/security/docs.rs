//! The OpenAPI security schemes of the API.

use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Declares `session_cookie` (our session cookie; `__Host-atende_session` in secure mode) and
/// `bearer` (an `atk_` API token, or a Supabase access token in Supabase mode).
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
    }
}
