//! Sign-in, sessions, the caller of a request, memberships in several clinics, invitations and
//! passwords.

mod accept_invite;
mod account;
mod authorize;
mod cache;
mod password;
mod reset;
mod session;
mod sign_in;
mod sign_out;
mod switch;
mod throttle;

pub use accept_invite::{AcceptInvite, AcceptInviteError, accept_invite};
pub use account::{CurrentAccountError, current_account};
pub use authorize::{AuthorizeError, Authorized, authorize};
pub use cache::PrincipalCache;
pub use password::{ChangePassword, ChangePasswordError, change_password};
pub use reset::{
    IssueResetError, IssuedReset, RedeemReset, RedeemResetError, issue_password_reset,
    issue_password_reset_by_email, redeem_password_reset,
};
pub use session::ClientInfo;
pub use sign_in::{SignIn, SignInError, sign_in};
pub use sign_out::{SignOutAllError, sign_out, sign_out_all};
pub use switch::{SwitchClinic, SwitchClinicError, switch_clinic};

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

/// A signed-in account: its memberships, and the one clinic it acts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The sign-in identity.
    pub auth_user_id: AuthUserId,
    /// Its e-mail.
    pub email: String,
    /// The membership of the clinic the session acts in (`None` when bound to no clinic).
    pub membership: Option<Membership>,
    /// Every membership of the identity, oldest first (the active one included).
    pub memberships: Vec<Membership>,
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
    /// A fresh trusted-device cookie for this browser (set by a password sign-in when device
    /// trust is configured).
    pub device_cookie: Option<String>,
}

/// Prefix of API tokens.
pub const API_TOKEN_PREFIX: &str = "atk_";
/// Prefix of invitation tokens.
pub const INVITE_TOKEN_PREFIX: &str = "inv_";
/// Prefix of password reset tokens.
pub const RESET_TOKEN_PREFIX: &str = "rst_";

/// A hashing refusal as seconds to wait, or the error.
pub(crate) fn busy_or(e: domain::ports::crypto::HashError) -> Result<u64, anyhow::Error> {
    match e {
        domain::ports::crypto::HashError::Busy { retry_after_secs } => Ok(retry_after_secs),
        domain::ports::crypto::HashError::Other(e) => Err(e),
    }
}
