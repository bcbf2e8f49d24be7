//! Clinic members (admin only): list, show, create (with a password or an invitation), update,
//! revoke and re-issue invitations.

mod create;
mod get;
mod list;
mod reinvite;
mod update;

pub(crate) use create::add_member as add;
pub use create::{CreateMember, CreateMemberError, CreatedMember, create_member};
pub use get::{GetMemberError, get_member};
pub use list::{ListMembersError, list_members};
pub use reinvite::{ReinviteMemberError, reinvite_member};
pub use update::{UpdateMemberError, update_member};
