//! Sign-in, sessions, the caller of a request, and invitations.

mod accept_invite;
mod account;
mod authorize;
mod session;
mod sign_in;
mod sign_out;
mod throttle;

pub use accept_invite::{AcceptInvite, AcceptInviteError, accept_invite};
pub use account::{CurrentAccountError, current_account};
pub use authorize::{AuthorizeError, authorize};
pub use session::ClientInfo;
pub use sign_in::{SignIn, SignInError, sign_in};
pub use sign_out::sign_out;

use chrono::{DateTime, Utc};
use domain::AuthUserId;
use domain::auth::Membership;

/// The credential a request presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// The value of our session cookie.
    Session(String),
    /// An `Authorization: Bearer` value (`atk_…` API token, or an external access token).
    Bearer(String),
}

/// A signed-in account and its clinic membership, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The sign-in identity.
    pub auth_user_id: AuthUserId,
    /// Its e-mail.
    pub email: String,
    /// Its clinic membership (`None` when bound to no clinic).
    pub membership: Option<Membership>,
}

/// A new session and the account it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The cookie value (shown once; only its SHA-256 is stored).
    pub session_token: String,
    /// When the session ends at the latest.
    pub expires_at: DateTime<Utc>,
    /// Who signed in.
    pub account: Account,
}

/// Prefix of API tokens.
pub const API_TOKEN_PREFIX: &str = "atk_";
/// Prefix of invitation tokens.
pub const INVITE_TOKEN_PREFIX: &str = "inv_";
