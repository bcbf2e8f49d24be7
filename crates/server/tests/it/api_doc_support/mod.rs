//! Helpers of `api_doc.rs`: record the tour's calls, tie them to the OpenAPI operations,
//! normalise what varies between runs, and render `docs/api.md`.

pub mod bless;
pub mod normalise;
pub mod noshows;
pub mod operations;
pub mod recorder;
pub mod refusals;
pub mod render;
