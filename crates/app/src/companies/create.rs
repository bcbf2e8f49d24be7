//! `atende company create`: a clinic and its first admin.

use crate::Deps;
use crate::users::{CreateMember, CreateMemberError};
use domain::CompanyId;
use domain::auth::{Password, Role, Tenant};

/// A clinic to create with its first admin.
#[derive(Debug, Clone)]
pub struct CreateCompany {
    /// The clinic's name.
    pub name: String,
    /// The admin's e-mail.
    pub admin_email: String,
    /// The admin's display name.
    pub admin_name: Option<String>,
    /// The admin's password.
    pub admin_password: Password,
}

/// Why the clinic could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateCompanyError {
    /// The name is empty or longer than 200 characters.
    #[error("the clinic name must have 1 to 200 characters")]
    InvalidName,
    /// The admin could not be created (the clinic was not kept).
    #[error("admin: {0}")]
    Admin(#[from] CreateMemberError),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Creates a clinic (with default settings) and its first, active admin.
///
/// # Errors
/// [`CreateCompanyError`].
pub async fn create_company(
    deps: &Deps,
    cmd: CreateCompany,
) -> Result<CompanyId, CreateCompanyError> {
    let name = cmd.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(CreateCompanyError::InvalidName);
    }
    // Validate the admin before writing anything.
    if domain::auth::Email::parse(&cmd.admin_email).is_err() {
        return Err(CreateMemberError::InvalidEmail.into());
    }
    if !crate::deps::password_acceptable(&cmd.admin_password) {
        return Err(CreateMemberError::WeakPassword {
            min: crate::MIN_PASSWORD_CHARS,
            max: crate::MAX_PASSWORD_CHARS,
        }
        .into());
    }
    let id = CompanyId::new();
    deps.companies.create(id, name).await?;
    let admin_name = cmd.admin_name.unwrap_or_else(|| "Admin".to_owned());
    crate::users::add(
        deps,
        Tenant::company(id),
        CreateMember {
            email: cmd.admin_email,
            name: admin_name,
            role: Role::Admin,
            password: Some(cmd.admin_password),
        },
    )
    .await?;
    Ok(id)
}
