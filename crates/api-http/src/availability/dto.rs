//! Bodies of `/api/availability`, `/api/schedules` and `/api/time-off`.

use chrono::{DateTime, Utc};
use domain::availability::{MemberSchedule, Slot, TimeOff};
use domain::reads::WorkingHours;
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A bookable start time.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotDto {
    /// The professional.
    pub user_id: Uuid,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// Start + the service's duration.
    pub ends_at: DateTime<Utc>,
}

impl From<Slot> for SlotDto {
    fn from(s: Slot) -> Self {
        Self {
            user_id: s.user_id.0,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
        }
    }
}

/// Free slots of a service.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityDto {
    /// The service.
    pub service_id: Uuid,
    /// The clinic's IANA time zone the hours were read in.
    pub timezone: String,
    /// Each slot's length (the service's duration).
    pub duration_minutes: u32,
    /// Minutes kept free after every appointment.
    pub buffer_minutes: u32,
    /// Spacing of start times, from each range's opening.
    pub slot_step_minutes: u32,
    /// By start, then professional (at most 5,000).
    pub slots: Vec<SlotDto>,
    /// Whether more slots existed than were returned (ask a shorter range).
    pub truncated: bool,
}

/// A member's weekly schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleDto {
    /// The member.
    pub user_id: Uuid,
    /// Their hours in the clinic's local time; a day that is absent is off.
    #[schema(value_type = crate::reads::settings::WorkingHoursDoc)]
    pub weekly_hours: WorkingHours,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<MemberSchedule> for ScheduleDto {
    fn from(s: MemberSchedule) -> Self {
        Self {
            user_id: s.user_id.0,
            weekly_hours: s.weekly_hours,
            updated_at: s.updated_at,
        }
    }
}

/// Every schedule of the clinic.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleList {
    /// By member id.
    pub data: Vec<ScheduleDto>,
}

/// `PUT /api/schedules/{id}`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutScheduleRequest {
    /// The whole week (days absent are off). Checked like the clinic's `working_hours`: day
    /// names, `HH:MM`, start before end, no overlaps, at most 4 ranges a day.
    #[garde(skip)]
    #[schema(value_type = crate::reads::settings::WorkingHoursDoc)]
    pub weekly_hours: WorkingHours,
}

/// A time-off entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeOffDto {
    /// Id.
    pub id: Uuid,
    /// The professional.
    pub user_id: Uuid,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Why.
    pub reason: Option<String>,
    /// Who recorded it.
    pub created_by: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<TimeOff> for TimeOffDto {
    fn from(t: TimeOff) -> Self {
        Self {
            id: t.id.0,
            user_id: t.fields.user_id.0,
            starts_at: t.fields.starts_at,
            ends_at: t.fields.ends_at,
            reason: t.fields.reason,
            created_by: t.created_by.map(|u| u.0),
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// A page of time off.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeOffList {
    /// By start.
    pub data: Vec<TimeOffDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `POST /api/time-off`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTimeOffRequest {
    /// A member of the clinic.
    #[garde(skip)]
    pub user_id: Uuid,
    /// Start (RFC 3339).
    #[garde(skip)]
    pub starts_at: DateTime<Utc>,
    /// End, after the start and at most 366 days later.
    #[garde(skip)]
    pub ends_at: DateTime<Utc>,
    /// Why, up to 200 characters.
    #[garde(length(chars, max = 200))]
    #[schema(max_length = 200)]
    pub reason: Option<String>,
}

/// `PATCH /api/time-off/{id}`: absent fields are kept; `null` clears the reason.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTimeOffRequest {
    /// A member of the clinic.
    #[garde(skip)]
    pub user_id: Option<Uuid>,
    /// Start.
    #[garde(skip)]
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    #[garde(skip)]
    pub ends_at: Option<DateTime<Utc>>,
    /// Why (`null` clears it).
    #[garde(length(chars, max = 200))]
    #[serde(default, deserialize_with = "crate::crm::nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub reason: Option<Option<String>>,
}
