//! Clinics (operator commands).

mod add_user;
mod create;

pub use add_user::add_user;
pub use create::{CreateCompany, CreateCompanyError, create_company};
