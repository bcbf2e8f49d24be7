//! Accounts, clinic membership, sessions and API tokens: the types the auth use cases and their
//! ports share.

mod email;
mod principal;
mod records;
mod scopes;
mod secret;
mod text;

pub use email::{Email, InvalidEmail};
pub use principal::{AuthMethod, Membership, Principal, Role, Tenant, UserStatus};
pub use records::{
    AcceptInvitation, ApiTokenRecord, ApiTokenSummary, AttemptCounter, Creator, Identity,
    IdentityProvider, InviteRecord, Member, MemberPatch, NewApiToken, NewIdentity, NewMember,
    NewSession, SessionRecord,
};
pub use scopes::{Grant, Scope, Scopes};
pub use secret::{Password, TokenHash};
pub use text::clean_label;
