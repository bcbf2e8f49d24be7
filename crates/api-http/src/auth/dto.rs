//! Bodies of the `/auth` routes.

use app::auth::Account;
use domain::auth::{Membership, Role, UserStatus};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /auth/signin`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The account's e-mail.
    #[garde(length(chars, min = 1, max = 254))]
    #[schema(example = "admin@clinica.demo", min_length = 1, max_length = 254)]
    pub email: String,
    /// The password (at most 1,024 bytes).
    #[garde(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub password: String,
}

/// `POST /auth/accept-invite`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInviteRequest {
    /// The one-time `inv_…` token from the invitation (at most 200 bytes).
    #[garde(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    /// The new account's password (15 to 256 characters). Omit it to accept as the signed-in
    /// person (session cookie, or a Supabase access token): an address that already has an
    /// account never gets a second password. Never accepted in Supabase mode.
    #[garde(inner(length(chars, min = 15, max = 256)))]
    #[schema(min_length = 15, max_length = 256)]
    pub password: Option<String>,
}

/// `POST /auth/switch-clinic`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchClinicRequest {
    /// One of the caller's clinics (see `memberships` in `GET /auth/me`).
    #[garde(skip)]
    pub company_id: Uuid,
}

/// `POST /auth/password`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password (at most 1,024 bytes).
    #[garde(length(min = 1, max = 1024))]
    #[schema(min_length = 1, max_length = 1024)]
    pub current_password: String,
    /// The new password (15 to 256 characters).
    #[garde(length(chars, min = 15, max = 256))]
    #[schema(min_length = 15, max_length = 256)]
    pub new_password: String,
}

/// `POST /auth/reset-password`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The one-time `rst_…` token an admin (or the operator) handed over (at most 200 bytes).
    #[garde(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    /// The new password (15 to 256 characters).
    #[garde(length(chars, min = 15, max = 256))]
    #[schema(min_length = 15, max_length = 256)]
    pub new_password: String,
}

/// The signed-in user. Without a clinic, `id` is the account id and `name`, `role` and
/// `status` are null.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUser {
    /// The member id (or the account id without a clinic).
    pub id: Uuid,
    /// E-mail.
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// Role in the clinic (`admin` or `staff`).
    #[schema(value_type = Option<String>, example = "admin")]
    pub role: Option<Role>,
    /// Membership status (`invited`, `active` or `disabled`).
    #[schema(value_type = Option<String>, example = "active")]
    pub status: Option<UserStatus>,
}

/// The user's clinic.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCompany {
    /// Clinic id.
    pub id: Uuid,
    /// Clinic name.
    pub name: String,
}

/// One clinic the account belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipDto {
    /// The clinic.
    pub company: SessionCompany,
    /// The member id in that clinic.
    pub user_id: Uuid,
    /// Role there (`admin` or `staff`).
    #[schema(value_type = String, example = "staff")]
    pub role: Role,
    /// Status there (`active` or `disabled`).
    #[schema(value_type = String, example = "active")]
    pub status: UserStatus,
    /// Whether the session acts in this clinic (every request reads and writes its rows only).
    pub active: bool,
}

/// `{user, company, memberships}` of sign-in, accept-invite, switch-clinic and `GET /auth/me`:
/// `user` and `company` are the clinic the session acts in.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountResponse {
    /// The user (in the active clinic).
    pub user: SessionUser,
    /// The active clinic, `null` when the account is bound to none.
    pub company: Option<SessionCompany>,
    /// Every clinic of the account, oldest first; switch with `POST /auth/switch-clinic`.
    pub memberships: Vec<MembershipDto>,
}

fn membership_dto(m: Membership, active: Option<uuid::Uuid>) -> MembershipDto {
    MembershipDto {
        active: active == Some(m.company_id.as_uuid()),
        company: SessionCompany {
            id: m.company_id.as_uuid(),
            name: m.company_name,
        },
        user_id: m.user_id.as_uuid(),
        role: m.role,
        status: m.status,
    }
}

impl From<Account> for AccountResponse {
    fn from(a: Account) -> Self {
        let active = a.membership.as_ref().map(|m| m.company_id.as_uuid());
        let memberships = a
            .memberships
            .into_iter()
            .map(|m| membership_dto(m, active))
            .collect();
        match a.membership {
            Some(m) => Self {
                user: SessionUser {
                    id: m.user_id.as_uuid(),
                    email: m.email,
                    name: Some(m.name),
                    role: Some(m.role),
                    status: Some(m.status),
                },
                company: Some(SessionCompany {
                    id: m.company_id.as_uuid(),
                    name: m.company_name,
                }),
                memberships,
            },
            None => Self {
                user: SessionUser {
                    id: a.auth_user_id.as_uuid(),
                    email: a.email,
                    name: None,
                    role: None,
                    status: None,
                },
                company: None,
                memberships,
            },
        }
    }
}
