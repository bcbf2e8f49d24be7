//! `POST /auth/signout`.

use crate::Deps;

/// Deletes the session behind `token`, if any. Signing out without a session is not an error.
///
/// # Errors
/// When the store fails.
pub async fn sign_out(deps: &Deps, token: Option<String>) -> anyhow::Result<()> {
    if let Some(token) = token {
        deps.sessions.delete(deps.tokens.hash(token)).await?;
    }
    Ok(())
}
