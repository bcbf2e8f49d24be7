//! api-http
