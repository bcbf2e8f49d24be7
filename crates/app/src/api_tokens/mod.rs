//! API tokens for n8n and other services (admin only).

mod create;
mod list;
mod revoke;

pub use create::{
    CreateApiToken, CreateApiTokenError, CreatedApiToken, Expiry, create_api_token, issue_api_token,
};
pub use list::{ListApiTokensError, list_api_tokens};
pub use revoke::{RevokeApiTokenError, revoke_api_token};
