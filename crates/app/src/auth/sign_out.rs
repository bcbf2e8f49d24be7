//! `POST /auth/signout` and `POST /auth/signout-all`.

use crate::Deps;

/// Deletes the session behind `token`, if any. Signing out without a session is not an error.
///
/// # Errors
/// When the store fails.
pub async fn sign_out(deps: &Deps, token: Option<String>) -> anyhow::Result<()> {
    if let Some(token) = token {
        let hash = deps.tokens.hash(token);
        deps.sessions.delete(hash).await?;
        // Every other node hears it from the store (`atende_credentials`); this one at once.
        deps.principals
            .forget(domain::ports::accounts::CredentialChange::Session(hash));
    }
    Ok(())
}

/// Why every session could not be ended.
#[derive(Debug, thiserror::Error)]
pub enum SignOutAllError {
    /// No valid session.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Ends every session of the account behind the session `token` (this one included, in every
/// clinic, on every device); returns how many ended.
///
/// # Errors
/// [`SignOutAllError`].
pub async fn sign_out_all(deps: &Deps, token: String) -> Result<u64, SignOutAllError> {
    let session = super::session::resolve(deps, token)
        .await?
        .ok_or(SignOutAllError::Unauthenticated)?;
    let ended = deps
        .sessions
        .delete_for_identity(session.auth_user_id)
        .await?;
    deps.principals.forget_identity(session.auth_user_id);
    Ok(ended)
}
