//! Members' weekly schedules: a member with one is a bookable professional.

use super::may_read;
use crate::inbound::FieldIssue;
use domain::UserId;
use domain::auth::{Principal, Tenant};
use domain::availability::MemberSchedule;
use domain::ports::availability::{AgendaWriteError, ScheduleRepository};
use domain::reads::WorkingHours;
use std::sync::Arc;

/// Why the schedules could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListSchedulesError {
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Every schedule of the clinic (admins; checked by the caller).
pub struct ListSchedules {
    schedules: Arc<dyn ScheduleRepository>,
}

impl ListSchedules {
    /// The use case over its port.
    #[must_use]
    pub fn new(schedules: Arc<dyn ScheduleRepository>) -> Self {
        Self { schedules }
    }

    /// Runs it.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn run(&self, tenant: Tenant) -> Result<Vec<MemberSchedule>, ListSchedulesError> {
        Ok(self.schedules.list(tenant).await?)
    }
}

/// Why a schedule could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GetScheduleError {
    /// Staff asking for another member's schedule.
    #[error("forbidden")]
    Forbidden,
    /// No such member, or no schedule.
    #[error("not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// One member's schedule: admins read anyone's, a member their own.
pub struct GetSchedule {
    schedules: Arc<dyn ScheduleRepository>,
}

impl GetSchedule {
    /// The use case over its port.
    #[must_use]
    pub fn new(schedules: Arc<dyn ScheduleRepository>) -> Self {
        Self { schedules }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`GetScheduleError::Forbidden`], [`GetScheduleError::NotFound`].
    pub async fn run(
        &self,
        caller: Principal,
        user: UserId,
    ) -> Result<MemberSchedule, GetScheduleError> {
        if !may_read(&caller, user) {
            return Err(GetScheduleError::Forbidden);
        }
        self.schedules
            .get(caller.tenant(), user)
            .await?
            .ok_or(GetScheduleError::NotFound)
    }
}

/// Why a schedule was not stored.
#[derive(Debug, thiserror::Error)]
pub enum PutScheduleError {
    /// No such member in the clinic.
    #[error("not found")]
    NotFound,
    /// Bad hours, each named (`weekly_hours.mon[0]`); nothing changed.
    #[error("invalid schedule")]
    Invalid(Vec<FieldIssue>),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Creates or replaces a member's weekly hours (admins; checked by the caller), validated as the
/// clinic's `working_hours` are: day names, `HH:MM`, start before end, no overlaps, at most 4
/// ranges a day.
pub struct PutSchedule {
    schedules: Arc<dyn ScheduleRepository>,
}

impl PutSchedule {
    /// The use case over its port.
    #[must_use]
    pub fn new(schedules: Arc<dyn ScheduleRepository>) -> Self {
        Self { schedules }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`PutScheduleError::Invalid`], [`PutScheduleError::NotFound`].
    pub async fn run(
        &self,
        tenant: Tenant,
        user: UserId,
        hours: WorkingHours,
    ) -> Result<MemberSchedule, PutScheduleError> {
        let mut issues = Vec::new();
        crate::reads::check_hours("weekly_hours", &hours, &mut issues);
        if !issues.is_empty() {
            return Err(PutScheduleError::Invalid(issues));
        }
        if !self.schedules.member_exists(tenant, user).await? {
            return Err(PutScheduleError::NotFound);
        }
        self.schedules
            .put(tenant, user, hours)
            .await
            .map_err(|e| match e {
                AgendaWriteError::UnknownMember | AgendaWriteError::NotFound => {
                    PutScheduleError::NotFound
                }
                other => PutScheduleError::Unknown(anyhow::Error::new(other)),
            })
    }
}

/// Why a schedule was not removed.
#[derive(Debug, thiserror::Error)]
pub enum DeleteScheduleError {
    /// The member has no schedule (or is not the clinic's).
    #[error("not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Removes a member's schedule: they are no longer offered (admins; checked by the caller).
pub struct DeleteSchedule {
    schedules: Arc<dyn ScheduleRepository>,
}

impl DeleteSchedule {
    /// The use case over its port.
    #[must_use]
    pub fn new(schedules: Arc<dyn ScheduleRepository>) -> Self {
        Self { schedules }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`DeleteScheduleError::NotFound`].
    pub async fn run(&self, tenant: Tenant, user: UserId) -> Result<(), DeleteScheduleError> {
        if self.schedules.delete(tenant, user).await? {
            Ok(())
        } else {
            Err(DeleteScheduleError::NotFound)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::availability::testing::principal;
    use domain::auth::Role;
    use domain::ports::availability::MockScheduleRepository;
    use domain::reads::TimeRange;

    #[tokio::test]
    async fn staff_read_only_their_own_schedule() {
        let staff = principal(Role::Staff);
        let me = staff.user_id.unwrap();
        let mut repo = MockScheduleRepository::new();
        repo.expect_get()
            .withf(move |_, u| *u == me)
            .times(1)
            .returning(|_, _| Ok(None));
        let uc = GetSchedule::new(Arc::new(repo));
        assert!(matches!(
            uc.run(staff, UserId::new()).await.unwrap_err(),
            GetScheduleError::Forbidden
        ));
        assert!(matches!(
            uc.run(staff, me).await.unwrap_err(),
            GetScheduleError::NotFound
        ));
    }

    #[tokio::test]
    async fn bad_hours_are_named_and_nothing_is_stored() {
        let mut repo = MockScheduleRepository::new();
        repo.expect_member_exists().never();
        repo.expect_put().never();
        let mut hours = WorkingHours::new();
        hours.insert(
            "mon".into(),
            vec![TimeRange {
                start: "12:00".into(),
                end: "08:00".into(),
            }],
        );
        hours.insert("someday".into(), vec![]);
        let err = PutSchedule::new(Arc::new(repo))
            .run(principal(Role::Admin).tenant(), UserId::new(), hours)
            .await
            .unwrap_err();
        let PutScheduleError::Invalid(issues) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert!(
            fields.contains(&"weekly_hours.mon[0]") && fields.contains(&"weekly_hours.someday")
        );
    }

    #[tokio::test]
    async fn another_clinics_member_is_not_found() {
        let mut repo = MockScheduleRepository::new();
        repo.expect_member_exists().returning(|_, _| Ok(false));
        repo.expect_put().never();
        let err = PutSchedule::new(Arc::new(repo))
            .run(
                principal(Role::Admin).tenant(),
                UserId::new(),
                WorkingHours::new(),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, PutScheduleError::NotFound));
    }
}
