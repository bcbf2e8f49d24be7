//! What a credential may do: the scopes of API tokens, and the grant every request carries.

use super::Role;
use crate::UserId;
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// One permission of an API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Read the clinic's data (every non-admin `GET`).
    Read,
    /// Change clients, services, appointments and conversations.
    Write,
    /// Send replies and record messages (n8n-style senders).
    MessagesWrite,
    /// Members, API tokens, integrations and settings; implies every other scope.
    Admin,
}

impl Scope {
    /// Every scope, in a fixed order.
    pub const ALL: [Scope; 4] = [Self::Read, Self::Write, Self::MessagesWrite, Self::Admin];

    /// The wire and stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::MessagesWrite => "messages:write",
            Self::Admin => "admin",
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::Read => 1,
            Self::Write => 2,
            Self::MessagesWrite => 4,
            Self::Admin => 8,
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| format!("unknown scope {s:?}"))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scopes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// No scope at all.
    pub const NONE: Self = Self(0);
    /// Every scope.
    pub const ALL: Self = Self(15);

    /// The set of `scopes`.
    pub fn of(scopes: impl IntoIterator<Item = Scope>) -> Self {
        Self(scopes.into_iter().fold(0, |bits, s| bits | s.bit()))
    }

    /// What a member with `role` may do (and so what their tokens may hold).
    #[must_use]
    pub fn for_role(role: Role) -> Self {
        match role {
            Role::Admin => Self::ALL,
            Role::Staff => Self::of([Scope::Read, Scope::Write, Scope::MessagesWrite]),
        }
    }

    /// Whether `scope` is in the set itself.
    #[must_use]
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    /// Whether a request that needs `required` may go on: the scope is held, or `admin` is.
    #[must_use]
    pub fn allows(self, required: Scope) -> bool {
        self.contains(required) || self.contains(Scope::Admin)
    }

    /// Whether every scope of `self` is in `other` (an `admin` set holds everything).
    #[must_use]
    pub fn within(self, other: Self) -> bool {
        other.contains(Scope::Admin) || self.0 & !other.0 == 0
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes, in [`Scope::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// The role a holder of this set acts with: admin with the `admin` scope, else staff.
    #[must_use]
    pub fn role(self) -> Role {
        if self.contains(Scope::Admin) {
            Role::Admin
        } else {
            Role::Staff
        }
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Scope::as_str))
            .finish()
    }
}

/// What the credential of a request may do, next to its [`super::Principal`]: a session holds
/// what its member's role allows; an API token its own scopes, bounded by its expiry and by its
/// creator (whose current role is re-checked on every request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    /// The scopes.
    pub scopes: Scopes,
    /// When the credential stops working (API tokens with an expiry).
    pub expires_at: Option<DateTime<Utc>>,
    /// The member a token acts for (its creator), whose disabling or demotion stops it.
    pub on_behalf_of: Option<UserId>,
    /// Whether the credential is an API token (tokens may not mint tokens without expiry).
    pub is_token: bool,
}

impl Grant {
    /// The grant of a signed-in member with `role` (session or external bearer token).
    #[must_use]
    pub fn member(role: Role, user_id: Option<UserId>) -> Self {
        Self {
            scopes: Scopes::for_role(role),
            expires_at: None,
            on_behalf_of: user_id,
            is_token: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_implies_every_scope_and_roles_bound_the_sets() {
        let read = Scopes::of([Scope::Read]);
        assert!(read.allows(Scope::Read));
        assert!(!read.allows(Scope::Write));
        assert!(Scopes::of([Scope::Admin]).allows(Scope::MessagesWrite));
        assert!(read.within(Scopes::for_role(Role::Staff)));
        assert!(!Scopes::of([Scope::Admin]).within(Scopes::for_role(Role::Staff)));
        assert!(Scopes::ALL.within(Scopes::of([Scope::Admin])));
        assert_eq!(Scopes::for_role(Role::Staff).role(), Role::Staff);
        assert_eq!(Scopes::of([Scope::Admin]).role(), Role::Admin);
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>(), Ok(s));
        }
        assert!("root".parse::<Scope>().is_err());
        assert_eq!(
            format!("{:?}", Scopes::of([Scope::MessagesWrite, Scope::Read])),
            r#"{"read", "messages:write"}"#
        );
    }
}
