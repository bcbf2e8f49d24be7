//! Adapters of the client, catalogue and appointment ports: each method is one tenant unit of
//! work; database constraint violations become the ports' domain errors.

mod appointments;
mod catalog;
mod client_rows;
mod clients;
mod regions;

pub use appointments::PgAppointments;
pub use catalog::PgServices;
pub use clients::PgClients;
pub(crate) use clients::client_in;
pub(crate) use clients::emit_created;
pub use regions::PgPhoneRegion;

use crate::error::DbError;
use crate::tenant::TenantScope;
use diesel::result::{DatabaseErrorKind, Error};
use domain::auth::Tenant;

/// The unit-of-work scope of a tenant.
fn scope(tenant: Tenant) -> TenantScope {
    TenantScope::user_opt(tenant.company_id, tenant.user_id)
}

/// The kind and constraint of a constraint violation, if `err` is one.
fn violation(err: &DbError) -> Option<(&DatabaseErrorKind, Option<&str>)> {
    match err {
        DbError::Query(Error::DatabaseError(kind, info)) => Some((kind, info.constraint_name())),
        _ => None,
    }
}

/// `%text%` for `LIKE`, with the pattern characters of `text` escaped.
fn contains_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

diesel::define_sql_function! {
    /// Lower-case, accent-free text (`public.atende_fold`, the function behind `search_text` and
    /// the unique service names).
    fn atende_fold(value: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(contains_pattern("jo_o 100%"), "%jo\\_o 100\\%%");
        assert_eq!(contains_pattern("a\\b"), "%a\\\\b%");
    }
}
