//! Middlewares of the HTTP stack (the request id one lives in [`crate::request_id`]).

pub mod problem_fallback;
pub mod security_headers;
