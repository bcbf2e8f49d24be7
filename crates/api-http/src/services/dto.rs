//! Bodies of `/api/services`.

use chrono::{DateTime, Utc};
use domain::catalog::Service;
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Highest price accepted, in cents (422 above).
pub const MAX_PRICE_CENTS: i64 = 10_000_000_000;

/// A service of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDto {
    /// Service id.
    pub id: Uuid,
    /// Name (unique in the clinic, ignoring case and accents).
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Price in cents of `currency`.
    #[schema(example = 15000)]
    pub price_cents: i64,
    /// ISO 4217 currency.
    #[schema(example = "BRL")]
    pub currency: String,
    /// Default appointment length.
    #[schema(example = 30)]
    pub duration_minutes: i32,
    /// Bookable.
    pub active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Service> for ServiceDto {
    fn from(s: Service) -> Self {
        Self {
            id: s.id.as_uuid(),
            name: s.fields.name,
            description: s.fields.description,
            price_cents: s.fields.price_cents,
            currency: s.fields.currency.as_str().to_owned(),
            duration_minutes: s.fields.duration_minutes,
            active: s.fields.active,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A page of services.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceList {
    /// The services, by name.
    pub data: Vec<ServiceDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/services`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateServiceRequest {
    /// Name, 1 to 200 characters.
    #[garde(length(chars, min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Description, up to 2,000 characters.
    #[garde(length(chars, max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Price in cents, 0 to 10,000,000,000.
    #[garde(range(min = 0, max = MAX_PRICE_CENTS))]
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    pub price_cents: i64,
    /// ISO 4217 code (default `BRL`).
    #[garde(pattern(r"^[A-Z]{3}$"))]
    #[schema(
        pattern = "^[A-Z]{3}$",
        min_length = 3,
        max_length = 3,
        example = "BRL"
    )]
    pub currency: Option<String>,
    /// 5 to 1,440 minutes.
    #[garde(range(min = 5, max = 1440))]
    #[schema(minimum = 5, maximum = 1440)]
    pub duration_minutes: i32,
    /// Bookable (default `true`).
    #[garde(skip)]
    pub active: Option<bool>,
}

/// `PATCH /api/services/{id}`: absent fields are kept; `null` clears the description.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateServiceRequest {
    /// Name, 1 to 200 characters.
    #[garde(length(chars, min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Description, up to 2,000 characters.
    #[garde(length(chars, max = 2000))]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub description: Option<Option<String>>,
    /// Price in cents, 0 to 10,000,000,000.
    #[garde(range(min = 0, max = MAX_PRICE_CENTS))]
    #[schema(minimum = 0, maximum = 10_000_000_000_i64)]
    pub price_cents: Option<i64>,
    /// ISO 4217 code.
    #[garde(pattern(r"^[A-Z]{3}$"))]
    #[schema(
        pattern = "^[A-Z]{3}$",
        min_length = 3,
        max_length = 3,
        example = "BRL"
    )]
    pub currency: Option<String>,
    /// 5 to 1,440 minutes.
    #[garde(range(min = 5, max = 1440))]
    #[schema(minimum = 5, maximum = 1440)]
    pub duration_minutes: Option<i32>,
    /// Bookable.
    #[garde(skip)]
    pub active: Option<bool>,
}
