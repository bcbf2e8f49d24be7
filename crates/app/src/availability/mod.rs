//! Free slots, members' weekly schedules and time off (`docs/domain-rules.md`, "Availability").

mod schedules;
mod slots;
mod time_off;

pub use schedules::{
    DeleteSchedule, DeleteScheduleError, GetSchedule, GetScheduleError, ListSchedules,
    ListSchedulesError, PutSchedule, PutScheduleError,
};
pub use slots::{FindSlots, FindSlotsError, FreeSlots};
pub use time_off::{
    CreateTimeOff, CreateTimeOffError, DeleteTimeOff, DeleteTimeOffError, GetTimeOff,
    GetTimeOffError, ListTimeOff, ListTimeOffError, TimeOffInput, TimeOffPatch, UpdateTimeOff,
    UpdateTimeOffError,
};

use domain::UserId;
use domain::auth::Principal;
use domain::ports::availability::{AvailabilityRepository, ScheduleRepository, TimeOffRepository};
use domain::ports::clock::Clock;
use std::sync::Arc;

/// The ports behind availability, schedules and time off, built once by the composition root.
#[derive(Clone)]
pub struct Agenda {
    /// The slot computation's inputs.
    pub availability: Arc<dyn AvailabilityRepository>,
    /// Weekly schedules.
    pub schedules: Arc<dyn ScheduleRepository>,
    /// Time off.
    pub time_off: Arc<dyn TimeOffRepository>,
    /// "Now" (no slot is offered in the past).
    pub clock: Arc<dyn Clock>,
}

impl Agenda {
    /// `GET /api/availability`.
    #[must_use]
    pub fn find_slots(&self) -> FindSlots {
        FindSlots::new(self.availability.clone(), self.clock.clone())
    }
    /// `GET /api/schedules`.
    #[must_use]
    pub fn list_schedules(&self) -> ListSchedules {
        ListSchedules::new(self.schedules.clone())
    }
    /// `GET /api/schedules/{id}`.
    #[must_use]
    pub fn get_schedule(&self) -> GetSchedule {
        GetSchedule::new(self.schedules.clone())
    }
    /// `PUT /api/schedules/{id}`.
    #[must_use]
    pub fn put_schedule(&self) -> PutSchedule {
        PutSchedule::new(self.schedules.clone())
    }
    /// `DELETE /api/schedules/{id}`.
    #[must_use]
    pub fn delete_schedule(&self) -> DeleteSchedule {
        DeleteSchedule::new(self.schedules.clone())
    }
    /// `POST /api/time-off`.
    #[must_use]
    pub fn create_time_off(&self) -> CreateTimeOff {
        CreateTimeOff::new(self.time_off.clone())
    }
    /// `PATCH /api/time-off/{id}`.
    #[must_use]
    pub fn update_time_off(&self) -> UpdateTimeOff {
        UpdateTimeOff::new(self.time_off.clone())
    }
    /// `GET /api/time-off/{id}`.
    #[must_use]
    pub fn get_time_off(&self) -> GetTimeOff {
        GetTimeOff::new(self.time_off.clone())
    }
    /// `DELETE /api/time-off/{id}`.
    #[must_use]
    pub fn delete_time_off(&self) -> DeleteTimeOff {
        DeleteTimeOff::new(self.time_off.clone())
    }
    /// `GET /api/time-off`.
    #[must_use]
    pub fn list_time_off(&self) -> ListTimeOff {
        ListTimeOff::new(self.time_off.clone())
    }
}

/// Whether `caller` may read what belongs to member `user`: admins read everyone's, a member
/// their own (API tokens act for no member, so a staff token reads no one's).
fn may_read(caller: &Principal, user: UserId) -> bool {
    caller.is_admin() || caller.user_id == Some(user)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Fixtures of the agenda tests.
    use domain::auth::{AuthMethod, Principal, Role};
    use domain::{CompanyId, UserId};

    /// A signed-in member with `role`.
    pub fn principal(role: Role) -> Principal {
        Principal {
            company_id: CompanyId::new(),
            user_id: Some(UserId::new()),
            auth_user_id: None,
            role,
            method: AuthMethod::Session,
        }
    }
}
