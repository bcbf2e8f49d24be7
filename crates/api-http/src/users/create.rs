//! `POST /api/users`.

use actix_web::{HttpResponse, web};
use app::users::{CreateMember, CreateMemberError, create_member};
use domain::auth::Password;
use garde::Validate;

use super::dto::{CreateUserRequest, CreatedUser, UserDto};
use crate::problem::{FieldError, Problem, ProblemDoc};
use crate::security::principal::Admin;
use crate::state::AppState;

/// Adds a member: active at once with a password, else `invited` with a one-time token valid
/// for 7 days (admin only).
///
/// # Errors
/// 401, 403 `forbidden`, 409 `user_exists` (e-mail already in the clinic), 409
/// `account_exists` (a password was given for an e-mail that already has an account: invite it
/// without one and that person accepts signed in), 422, 503 `busy`.
#[utoipa::path(
    post,
    path = "/api/users",
    tag = "users",
    security(("session_cookie" = []), ("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 201, description = "Created", body = CreatedUser),
        (status = 409, description = "E-mail already in the clinic", body = ProblemDoc, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing saturated (`busy`)", body = ProblemDoc, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    Admin(caller): Admin,
    state: web::Data<AppState>,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, Problem> {
    body.validate()?;
    let body = body.into_inner();
    let cmd = CreateMember {
        email: body.email,
        name: body.name,
        role: body.role,
        password: body.password.map(Password::new),
    };
    match create_member(&state.deps, caller, cmd).await {
        Ok(created) => {
            let (invite_token, invite_expires_at) = created.invite.unzip();
            Ok(HttpResponse::Created().json(CreatedUser {
                user: UserDto::from(created.member),
                invite_token,
                invite_expires_at,
            }))
        }
        Err(e) => Err(problem(e)),
    }
}

fn problem(err: CreateMemberError) -> Problem {
    match err {
        CreateMemberError::Forbidden => Problem::forbidden("forbidden"),
        CreateMemberError::InvalidEmail => {
            Problem::validation(vec![FieldError::new("email", "not a valid e-mail address")])
        }
        CreateMemberError::InvalidName => {
            Problem::validation(vec![FieldError::new("name", "must not be blank")])
        }
        e @ CreateMemberError::WeakPassword { .. } => {
            Problem::validation(vec![FieldError::new("password", e.to_string())])
        }
        CreateMemberError::UserExists => Problem::conflict(
            "user_exists",
            "the clinic already has a user with this e-mail",
        ),
        CreateMemberError::AccountExists => Problem::conflict(
            "account_exists",
            "an account with this e-mail already exists; invite it without a password",
        ),
        CreateMemberError::Busy { retry_after_secs } => crate::auth::busy(retry_after_secs),
        CreateMemberError::Unknown(e) => Problem::from_internal(&e),
    }
}
