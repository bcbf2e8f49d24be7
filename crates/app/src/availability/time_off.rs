//! Professionals' time off: admins record, change and remove it; a member reads their own.

use super::{may_read, reads_everyones};
use crate::crm::FieldIssue;
use chrono::{DateTime, Utc};
use domain::UserId;
use domain::auth::{Principal, Tenant};
use domain::availability::{
    MAX_REASON_CHARS, MAX_TIME_OFF, NewTimeOff, TimeOff, TimeOffCursor, TimeOffFields,
    TimeOffFilter, TimeOffId,
};
use domain::clients::clean_text;
use domain::page::{MAX_LIMIT, Page};
use domain::ports::availability::{AgendaWriteError, TimeOffRepository};
use std::sync::Arc;

/// A new time-off entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeOffInput {
    /// The professional.
    pub user_id: UserId,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Why.
    pub reason: Option<String>,
}

/// A partial change: `None` keeps a field, `Some(None)` clears the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimeOffPatch {
    /// The professional.
    pub user_id: Option<UserId>,
    /// Start.
    pub starts_at: Option<DateTime<Utc>>,
    /// End.
    pub ends_at: Option<DateTime<Utc>>,
    /// Why.
    pub reason: Option<Option<String>>,
}

/// The issues of complete fields; the reason comes back trimmed (`None` when blank).
fn check(fields: &mut TimeOffFields) -> Vec<FieldIssue> {
    let mut issues = Vec::new();
    if fields.ends_at <= fields.starts_at {
        issues.push(FieldIssue::new("ends_at", "must be after starts_at"));
    } else if fields.ends_at - fields.starts_at > MAX_TIME_OFF {
        issues.push(FieldIssue::new(
            "ends_at",
            "time off lasts at most 366 days",
        ));
    }
    fields.reason = fields.reason.as_deref().and_then(clean_text);
    if fields
        .reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        issues.push(FieldIssue::new(
            "reason",
            format!("at most {MAX_REASON_CHARS} characters"),
        ));
    }
    issues
}

fn unknown_member() -> FieldIssue {
    FieldIssue::new("user_id", "no such member of the clinic")
}

/// Why time off was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum CreateTimeOffError {
    /// Bad fields or an unknown member.
    #[error("invalid time off")]
    Invalid(Vec<FieldIssue>),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Records time off (admins; checked by the caller). Appointments already booked inside it stay:
/// the clinic moves them; availability stops offering the time.
pub struct CreateTimeOff {
    time_off: Arc<dyn TimeOffRepository>,
}

impl CreateTimeOff {
    /// The use case over its port.
    #[must_use]
    pub fn new(time_off: Arc<dyn TimeOffRepository>) -> Self {
        Self { time_off }
    }

    /// Runs it; the acting member is recorded as `created_by`.
    ///
    /// # Errors
    /// [`CreateTimeOffError::Invalid`].
    pub async fn run(
        &self,
        tenant: Tenant,
        input: TimeOffInput,
    ) -> Result<TimeOff, CreateTimeOffError> {
        let mut fields = TimeOffFields {
            user_id: input.user_id,
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            reason: input.reason,
        };
        let issues = check(&mut fields);
        if !issues.is_empty() {
            return Err(CreateTimeOffError::Invalid(issues));
        }
        let entry = NewTimeOff {
            id: TimeOffId::new(),
            fields,
            created_by: tenant.user_id,
        };
        self.time_off
            .create(tenant, entry)
            .await
            .map_err(|e| match e {
                AgendaWriteError::UnknownMember => {
                    CreateTimeOffError::Invalid(vec![unknown_member()])
                }
                other => CreateTimeOffError::Unknown(anyhow::Error::new(other)),
            })
    }
}

/// Why time off was not changed.
#[derive(Debug, thiserror::Error)]
pub enum UpdateTimeOffError {
    /// No such entry in the clinic.
    #[error("not found")]
    NotFound,
    /// Bad fields or an unknown member.
    #[error("invalid time off")]
    Invalid(Vec<FieldIssue>),
    /// Changed by someone else meanwhile.
    #[error("changed concurrently")]
    Conflict,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Applies a [`TimeOffPatch`] (admins; checked by the caller).
pub struct UpdateTimeOff {
    time_off: Arc<dyn TimeOffRepository>,
}

impl UpdateTimeOff {
    /// The use case over its port.
    #[must_use]
    pub fn new(time_off: Arc<dyn TimeOffRepository>) -> Self {
        Self { time_off }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`UpdateTimeOffError::NotFound`], [`UpdateTimeOffError::Invalid`],
    /// [`UpdateTimeOffError::Conflict`].
    pub async fn run(
        &self,
        tenant: Tenant,
        id: TimeOffId,
        patch: TimeOffPatch,
    ) -> Result<TimeOff, UpdateTimeOffError> {
        let current = self
            .time_off
            .get(tenant, id)
            .await?
            .ok_or(UpdateTimeOffError::NotFound)?;
        let old = &current.fields;
        let mut next = TimeOffFields {
            user_id: patch.user_id.unwrap_or(old.user_id),
            starts_at: patch.starts_at.unwrap_or(old.starts_at),
            ends_at: patch.ends_at.unwrap_or(old.ends_at),
            reason: patch.reason.unwrap_or_else(|| old.reason.clone()),
        };
        let issues = check(&mut next);
        if !issues.is_empty() {
            return Err(UpdateTimeOffError::Invalid(issues));
        }
        if next == current.fields {
            return Ok(current);
        }
        self.time_off
            .update(tenant, id, next, current.updated_at)
            .await
            .map_err(|e| match e {
                AgendaWriteError::UnknownMember => {
                    UpdateTimeOffError::Invalid(vec![unknown_member()])
                }
                AgendaWriteError::NotFound => UpdateTimeOffError::NotFound,
                AgendaWriteError::Stale => UpdateTimeOffError::Conflict,
                AgendaWriteError::Other(e) => UpdateTimeOffError::Unknown(e),
            })
    }
}

/// Why time off could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GetTimeOffError {
    /// Staff asking for another member's entry.
    #[error("forbidden")]
    Forbidden,
    /// No such entry in the clinic.
    #[error("not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// One entry: admins read anyone's, a member their own.
pub struct GetTimeOff {
    time_off: Arc<dyn TimeOffRepository>,
}

impl GetTimeOff {
    /// The use case over its port.
    #[must_use]
    pub fn new(time_off: Arc<dyn TimeOffRepository>) -> Self {
        Self { time_off }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`GetTimeOffError::NotFound`], [`GetTimeOffError::Forbidden`].
    pub async fn run(&self, caller: Principal, id: TimeOffId) -> Result<TimeOff, GetTimeOffError> {
        let entry = self
            .time_off
            .get(caller.tenant(), id)
            .await?
            .ok_or(GetTimeOffError::NotFound)?;
        if may_read(&caller, entry.fields.user_id) {
            Ok(entry)
        } else {
            Err(GetTimeOffError::Forbidden)
        }
    }
}

/// Why time off was not removed.
#[derive(Debug, thiserror::Error)]
pub enum DeleteTimeOffError {
    /// No such entry in the clinic.
    #[error("not found")]
    NotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Removes an entry (admins; checked by the caller).
pub struct DeleteTimeOff {
    time_off: Arc<dyn TimeOffRepository>,
}

impl DeleteTimeOff {
    /// The use case over its port.
    #[must_use]
    pub fn new(time_off: Arc<dyn TimeOffRepository>) -> Self {
        Self { time_off }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`DeleteTimeOffError::NotFound`].
    pub async fn run(&self, tenant: Tenant, id: TimeOffId) -> Result<(), DeleteTimeOffError> {
        if self.time_off.delete(tenant, id).await? {
            Ok(())
        } else {
            Err(DeleteTimeOffError::NotFound)
        }
    }
}

/// Why the list failed.
#[derive(Debug, thiserror::Error)]
pub enum ListTimeOffError {
    /// Staff asking for another member's entries (or a token acting for no member).
    #[error("forbidden")]
    Forbidden,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Lists entries by start: admins any member's (or all), a member only their own (the filter is
/// set to them when absent).
pub struct ListTimeOff {
    time_off: Arc<dyn TimeOffRepository>,
}

impl ListTimeOff {
    /// The use case over its port.
    #[must_use]
    pub fn new(time_off: Arc<dyn TimeOffRepository>) -> Self {
        Self { time_off }
    }

    /// Runs it (`limit` clamped to 1..=200).
    ///
    /// # Errors
    /// [`ListTimeOffError::Forbidden`].
    pub async fn run(
        &self,
        caller: Principal,
        mut filter: TimeOffFilter,
        after: Option<TimeOffCursor>,
        limit: u32,
    ) -> Result<Page<TimeOff, TimeOffCursor>, ListTimeOffError> {
        if !reads_everyones(&caller) {
            match (filter.user_id, caller.user_id) {
                (None, Some(me)) => filter.user_id = Some(me),
                (Some(u), _) if may_read(&caller, u) => {}
                _ => return Err(ListTimeOffError::Forbidden),
            }
        }
        let limit = limit.clamp(1, MAX_LIMIT);
        Ok(self
            .time_off
            .list(caller.tenant(), filter, after, limit)
            .await?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::appointments::testing::now;
    use crate::availability::testing::principal;
    use chrono::Duration;
    use domain::auth::Role;
    use domain::ports::availability::MockTimeOffRepository;

    fn input(hours: i64) -> TimeOffInput {
        TimeOffInput {
            user_id: UserId::new(),
            starts_at: now(),
            ends_at: now() + Duration::hours(hours),
            reason: Some("  Congresso  ".into()),
        }
    }

    #[tokio::test]
    async fn the_end_must_follow_the_start_within_a_year_and_the_reason_is_trimmed() {
        let mut repo = MockTimeOffRepository::new();
        repo.expect_create()
            .withf(|_, e| e.fields.reason.as_deref() == Some("Congresso"))
            .times(1)
            .returning(|_, e| {
                Ok(TimeOff {
                    id: e.id,
                    fields: e.fields,
                    created_by: e.created_by,
                    created_at: now(),
                    updated_at: now(),
                })
            });
        let uc = CreateTimeOff::new(Arc::new(repo));
        let t = principal(Role::Admin).tenant();
        for bad in [input(0), input(-2), input(24 * 367)] {
            let err = uc.run(t, bad).await.unwrap_err();
            assert!(matches!(&err, CreateTimeOffError::Invalid(i) if i[0].field == "ends_at"));
        }
        uc.run(t, input(8)).await.unwrap();
    }

    #[tokio::test]
    async fn an_unknown_member_is_named() {
        let mut repo = MockTimeOffRepository::new();
        repo.expect_create()
            .returning(|_, _| Err(AgendaWriteError::UnknownMember));
        let err = CreateTimeOff::new(Arc::new(repo))
            .run(principal(Role::Admin).tenant(), input(8))
            .await
            .unwrap_err();
        assert!(matches!(&err, CreateTimeOffError::Invalid(i) if i[0].field == "user_id"));
    }

    #[tokio::test]
    async fn staff_list_only_their_own_entries() {
        let staff = principal(Role::Staff);
        let me = staff.user_id.unwrap();
        let mut repo = MockTimeOffRepository::new();
        repo.expect_list()
            .withf(move |_, f, _, _| f.user_id == Some(me))
            .times(2)
            .returning(|_, _, _, _| {
                Ok(Page {
                    data: vec![],
                    next: None,
                })
            });
        let uc = ListTimeOff::new(Arc::new(repo));
        uc.run(staff, TimeOffFilter::default(), None, 50)
            .await
            .unwrap();
        let mine = TimeOffFilter {
            user_id: Some(me),
            ..TimeOffFilter::default()
        };
        uc.run(staff, mine, None, 50).await.unwrap();
        let other = TimeOffFilter {
            user_id: Some(UserId::new()),
            ..TimeOffFilter::default()
        };
        assert!(matches!(
            uc.run(staff, other, None, 50).await.unwrap_err(),
            ListTimeOffError::Forbidden
        ));
    }
}
