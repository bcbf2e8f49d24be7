//! Service (catalogue) use cases.

mod create;
mod query;
mod update;

pub use create::{CreateService, CreateServiceError, CreateServiceInput};
pub use query::{GetService, GetServiceError, ListServices, ListServicesError};
pub use update::{ServicePatch, UpdateService, UpdateServiceError};

use crate::crm::FieldIssue;
use domain::catalog::{Currency, MAX_DURATION_MINUTES, MIN_DURATION_MINUTES, ServiceFields};
use domain::clients::{MAX_NAME_CHARS, MAX_NOTES_CHARS, clean_text};

/// The issues of a complete set of service fields (the domain invariants; the HTTP layer checks
/// the same limits earlier).
fn check(fields: &ServiceFields) -> Vec<FieldIssue> {
    let mut issues = Vec::new();
    let name_len = fields.name.chars().count();
    if name_len == 0 || name_len > MAX_NAME_CHARS {
        issues.push(FieldIssue::new(
            "name",
            format!("1 to {MAX_NAME_CHARS} characters"),
        ));
    }
    if fields
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_NOTES_CHARS)
    {
        issues.push(FieldIssue::new(
            "description",
            format!("at most {MAX_NOTES_CHARS} characters"),
        ));
    }
    if fields.price_cents < 0 {
        issues.push(FieldIssue::new("price_cents", "must not be negative"));
    }
    if !(MIN_DURATION_MINUTES..=MAX_DURATION_MINUTES).contains(&fields.duration_minutes) {
        issues.push(FieldIssue::new(
            "duration_minutes",
            format!("{MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES} minutes"),
        ));
    }
    issues
}

/// A currency code, or an issue.
fn currency(raw: &str, issues: &mut Vec<FieldIssue>) -> Currency {
    Currency::parse(raw.trim()).unwrap_or_else(|e| {
        issues.push(FieldIssue::new("currency", e.to_string()));
        Currency::BRL
    })
}

/// A trimmed name (empty stays empty, so [`check`] names it).
fn name(raw: &str) -> String {
    raw.trim().to_owned()
}

/// A trimmed description, `None` when blank.
fn description(raw: Option<String>) -> Option<String> {
    raw.as_deref().and_then(clean_text)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Fixtures of the service use-case tests.
    #![allow(clippy::unwrap_used)]

    use chrono::{TimeZone, Utc};
    use domain::ServiceId;
    use domain::catalog::{Currency, Service, ServiceFields};

    /// A stored 30-minute service.
    pub fn stored_service(name: &str) -> Service {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        Service {
            id: ServiceId::new(),
            fields: ServiceFields {
                name: name.into(),
                description: None,
                price_cents: 15_000,
                currency: Currency::BRL,
                duration_minutes: 30,
                active: true,
            },
            created_at: at,
            updated_at: at,
        }
    }
}
