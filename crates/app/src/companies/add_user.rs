//! `atende user add`: a member with a password, added by the operator.

use crate::Deps;
use crate::users::{CreateMember, CreateMemberError, CreatedMember};
use domain::CompanyId;
use domain::auth::Tenant;

/// Adds an active member with a password to a clinic, without a calling admin (the operator
/// runs the CLI).
///
/// # Errors
/// [`CreateMemberError`] (never `Forbidden`).
pub async fn add_user(
    deps: &Deps,
    company_id: CompanyId,
    cmd: CreateMember,
) -> Result<CreatedMember, CreateMemberError> {
    crate::users::add(deps, Tenant::company(company_id), cmd).await
}
