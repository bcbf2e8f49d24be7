//! Bodies of the `/auth` routes.

use app::auth::Account;
use domain::auth::{Role, UserStatus};
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
    /// The new password (15 to 256 characters).
    #[garde(length(chars, min = 15, max = 256))]
    #[schema(min_length = 15, max_length = 256)]
    pub password: String,
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

/// `{user, company}` of sign-in, accept-invite and `GET /auth/me`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountResponse {
    /// The user.
    pub user: SessionUser,
    /// The clinic, `null` when the account is bound to none.
    pub company: Option<SessionCompany>,
}

impl From<Account> for AccountResponse {
    fn from(a: Account) -> Self {
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
            },
        }
    }
}
