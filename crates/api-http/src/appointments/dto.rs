//! Bodies of `/api/appointments`.

use chrono::{DateTime, Utc};
use domain::appointments::{Appointment, AppointmentStatus};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `scheduled`, `confirmed`, `completed`, `canceled` or `no_show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatusDto {
    /// Booked.
    Scheduled,
    /// Confirmed by the patient.
    Confirmed,
    /// Took place (only once started).
    Completed,
    /// Called off (final).
    Canceled,
    /// The patient did not come (only once started).
    NoShow,
}

impl From<AppointmentStatusDto> for AppointmentStatus {
    fn from(s: AppointmentStatusDto) -> Self {
        match s {
            AppointmentStatusDto::Scheduled => Self::Scheduled,
            AppointmentStatusDto::Confirmed => Self::Confirmed,
            AppointmentStatusDto::Completed => Self::Completed,
            AppointmentStatusDto::Canceled => Self::Canceled,
            AppointmentStatusDto::NoShow => Self::NoShow,
        }
    }
}

impl From<AppointmentStatus> for AppointmentStatusDto {
    fn from(s: AppointmentStatus) -> Self {
        match s {
            AppointmentStatus::Scheduled => Self::Scheduled,
            AppointmentStatus::Confirmed => Self::Confirmed,
            AppointmentStatus::Completed => Self::Completed,
            AppointmentStatus::Canceled => Self::Canceled,
            AppointmentStatus::NoShow => Self::NoShow,
        }
    }
}

/// An appointment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentDto {
    /// Appointment id.
    pub id: Uuid,
    /// The patient.
    pub client_id: Uuid,
    /// The service.
    pub service_id: Uuid,
    /// The professional (a member of the clinic).
    pub user_id: Option<Uuid>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Status.
    pub status: AppointmentStatusDto,
    /// Notes.
    pub notes: Option<String>,
    /// The member who booked it.
    pub created_by: Option<Uuid>,
    /// When it was canceled.
    pub canceled_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Appointment> for AppointmentDto {
    fn from(a: Appointment) -> Self {
        let f = a.fields;
        Self {
            id: a.id.as_uuid(),
            client_id: f.client_id.as_uuid(),
            service_id: f.service_id.as_uuid(),
            user_id: f.user_id.map(|u| u.as_uuid()),
            starts_at: f.starts_at,
            ends_at: f.ends_at,
            status: f.status.into(),
            notes: f.notes,
            created_by: a.created_by.map(|u| u.as_uuid()),
            canceled_at: f.canceled_at,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A page of appointments.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentList {
    /// The appointments, by start time.
    pub data: Vec<AppointmentDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/appointments`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAppointmentRequest {
    /// A client of the clinic.
    #[garde(skip)]
    pub client_id: Uuid,
    /// A service of the clinic.
    #[garde(skip)]
    pub service_id: Uuid,
    /// The professional: an active member of the clinic.
    #[garde(skip)]
    pub user_id: Option<Uuid>,
    /// Start (RFC 3339).
    #[garde(skip)]
    pub starts_at: DateTime<Utc>,
    /// End, after the start and at most 24 hours later (default: start + the service's
    /// duration).
    #[garde(skip)]
    pub ends_at: Option<DateTime<Utc>>,
    /// Default `scheduled`; `completed` / `no_show` only once started.
    #[garde(skip)]
    pub status: Option<AppointmentStatusDto>,
    /// Notes, up to 2,000 characters.
    #[garde(length(chars, max = 2000))]
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// `PATCH /api/appointments/{id}`: absent fields are kept; `null` clears `user_id` or `notes`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateAppointmentRequest {
    /// A client of the clinic.
    #[garde(skip)]
    pub client_id: Option<Uuid>,
    /// A service of the clinic.
    #[garde(skip)]
    pub service_id: Option<Uuid>,
    /// The professional (`null` unassigns).
    #[garde(skip)]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<Uuid>)]
    pub user_id: Option<Option<Uuid>>,
    /// New start; without `ends_at` the appointment keeps its length.
    #[garde(skip)]
    pub starts_at: Option<DateTime<Utc>>,
    /// New end.
    #[garde(skip)]
    pub ends_at: Option<DateTime<Utc>>,
    /// New status (see the status rules).
    #[garde(skip)]
    pub status: Option<AppointmentStatusDto>,
    /// Notes (`null` clears them).
    #[garde(length(chars, max = 2000))]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub notes: Option<Option<String>>,
}
