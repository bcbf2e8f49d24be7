//! Accounts, clinic membership, sessions and API tokens: the types the auth use cases and their
//! ports share.

mod email;
mod principal;
mod records;
mod secret;

pub use email::{Email, InvalidEmail};
pub use principal::{AuthMethod, Membership, Principal, Role, Tenant, UserStatus};
pub use records::{
    ApiTokenRecord, ApiTokenSummary, AttemptCounter, Identity, IdentityProvider, InviteRecord,
    Member, MemberPatch, NewApiToken, NewIdentity, NewMember, NewSession, SessionRecord,
};
pub use secret::{Password, TokenHash};
