//! Storage behind free slots: the slot computation's inputs, members' schedules and time off.

use crate::UserId;
use crate::auth::Tenant;
use crate::availability::{
    AvailabilityContext, MemberSchedule, NewTimeOff, SlotQuery, TimeOff, TimeOffCursor,
    TimeOffFields, TimeOffFilter, TimeOffId,
};
use crate::page::Page;
use crate::reads::WorkingHours;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What availability reads.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AvailabilityRepository: Send + Sync {
    /// The clinic's hours, buffer, step and time zone, the service, the bookable professionals
    /// (the asked one, or every active member with a schedule) with their appointments and time
    /// off around the range, and the instants of the local times the computation will need
    /// ([`crate::availability::needed_local_times`]): one unit of work, two statements.
    ///
    /// # Errors
    /// When the store fails.
    async fn context(
        &self,
        tenant: Tenant,
        query: SlotQuery,
    ) -> anyhow::Result<AvailabilityContext>;
}

/// Why a schedule or a time-off entry was not written.
#[derive(Debug, thiserror::Error)]
pub enum AgendaWriteError {
    /// The member is not the clinic's.
    #[error("no such member")]
    UnknownMember,
    /// No such entry in the clinic.
    #[error("not found")]
    NotFound,
    /// The entry changed since it was read.
    #[error("changed concurrently")]
    Stale,
    /// Any other failure.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Members' weekly schedules.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ScheduleRepository: Send + Sync {
    /// Every schedule of the clinic (one per bookable member), by member id.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(&self, tenant: Tenant) -> anyhow::Result<Vec<MemberSchedule>>;

    /// One member's schedule.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, tenant: Tenant, user: UserId) -> anyhow::Result<Option<MemberSchedule>>;

    /// Creates or replaces a member's schedule.
    ///
    /// # Errors
    /// [`AgendaWriteError::UnknownMember`].
    async fn put(
        &self,
        tenant: Tenant,
        user: UserId,
        hours: WorkingHours,
    ) -> Result<MemberSchedule, AgendaWriteError>;

    /// Removes a member's schedule (they stop being bookable); whether there was one.
    ///
    /// # Errors
    /// When the store fails.
    async fn delete(&self, tenant: Tenant, user: UserId) -> anyhow::Result<bool>;

    /// Whether `user` is a member of the clinic (any status).
    ///
    /// # Errors
    /// When the store fails.
    async fn member_exists(&self, tenant: Tenant, user: UserId) -> anyhow::Result<bool>;
}

/// Professionals' time off.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TimeOffRepository: Send + Sync {
    /// Stores a new entry.
    ///
    /// # Errors
    /// [`AgendaWriteError::UnknownMember`].
    async fn create(&self, tenant: Tenant, entry: NewTimeOff) -> Result<TimeOff, AgendaWriteError>;

    /// One entry of the clinic.
    ///
    /// # Errors
    /// When the store fails.
    async fn get(&self, tenant: Tenant, id: TimeOffId) -> anyhow::Result<Option<TimeOff>>;

    /// Replaces an entry's fields if it is unchanged since `expected_updated_at`.
    ///
    /// # Errors
    /// [`AgendaWriteError::NotFound`], [`AgendaWriteError::Stale`],
    /// [`AgendaWriteError::UnknownMember`].
    async fn update(
        &self,
        tenant: Tenant,
        id: TimeOffId,
        fields: TimeOffFields,
        expected_updated_at: DateTime<Utc>,
    ) -> Result<TimeOff, AgendaWriteError>;

    /// Deletes an entry; whether it existed.
    ///
    /// # Errors
    /// When the store fails.
    async fn delete(&self, tenant: Tenant, id: TimeOffId) -> anyhow::Result<bool>;

    /// A page of entries matching `filter`, by start, after `after`.
    ///
    /// # Errors
    /// When the store fails.
    async fn list(
        &self,
        tenant: Tenant,
        filter: TimeOffFilter,
        after: Option<TimeOffCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<TimeOff, TimeOffCursor>>;
}
