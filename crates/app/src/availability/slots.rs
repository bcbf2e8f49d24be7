//! `GET /api/availability`: bookable start times.

use crate::crm::FieldIssue;
use domain::auth::Tenant;
use domain::availability::{MAX_RANGE, Slot, SlotQuery, free_slots};
use domain::ports::availability::AvailabilityRepository;
use domain::ports::clock::Clock;
use std::sync::Arc;

/// What the caller gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeSlots {
    /// The clinic's time zone the hours were read in.
    pub timezone: String,
    /// The service's duration (each slot's length).
    pub duration_minutes: u32,
    /// The clinic's buffer after appointments.
    pub buffer_minutes: u32,
    /// The spacing of start times.
    pub slot_step_minutes: u32,
    /// By start time, then professional.
    pub slots: Vec<Slot>,
    /// Whether more slots existed than were returned.
    pub truncated: bool,
}

/// Why no slots were computed.
#[derive(Debug, thiserror::Error)]
pub enum FindSlotsError {
    /// A bad range, an unknown or inactive service, an unknown professional.
    #[error("invalid availability query")]
    Invalid(Vec<FieldIssue>),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Computes the free slots of a service in a range of at most 31 days: one read of the store
/// (two statements), then pure computation ([`free_slots`]).
pub struct FindSlots {
    availability: Arc<dyn AvailabilityRepository>,
    clock: Arc<dyn Clock>,
}

impl FindSlots {
    /// The use case over its ports.
    #[must_use]
    pub fn new(availability: Arc<dyn AvailabilityRepository>, clock: Arc<dyn Clock>) -> Self {
        Self {
            availability,
            clock,
        }
    }

    /// Runs it.
    ///
    /// # Errors
    /// [`FindSlotsError::Invalid`] naming `to` (not after `from`, or more than 31 days later),
    /// `service_id` (not the clinic's, or inactive) or `user_id` (not an active member).
    pub async fn run(&self, tenant: Tenant, query: SlotQuery) -> Result<FreeSlots, FindSlotsError> {
        if query.to <= query.from {
            return Err(FindSlotsError::Invalid(vec![FieldIssue::new(
                "to",
                "must be after from",
            )]));
        }
        if query.to - query.from > MAX_RANGE {
            return Err(FindSlotsError::Invalid(vec![FieldIssue::new(
                "to",
                "the range may cover at most 31 days",
            )]));
        }
        let ctx = self.availability.context(tenant, query).await?;
        let mut issues = Vec::new();
        match ctx.service {
            None => issues.push(FieldIssue::new("service_id", "no such service")),
            Some(s) if !s.active => {
                issues.push(FieldIssue::new("service_id", "the service is not active"));
            }
            Some(_) => {}
        }
        if !ctx.professional_known {
            issues.push(FieldIssue::new(
                "user_id",
                "no such active member of the clinic",
            ));
        }
        let (true, Some(service)) = (issues.is_empty(), ctx.service) else {
            return Err(FindSlotsError::Invalid(issues));
        };
        let list = free_slots(
            &ctx,
            service.duration_minutes,
            query.from,
            query.to,
            self.clock.now(),
        );
        Ok(FreeSlots {
            timezone: ctx.timezone,
            duration_minutes: service.duration_minutes,
            buffer_minutes: ctx.buffer_minutes,
            slot_step_minutes: ctx.slot_step_minutes,
            slots: list.slots,
            truncated: list.truncated,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::appointments::testing::{clock, now};
    use crate::clients::testing::tenant;
    use chrono::Duration;
    use domain::availability::{AvailabilityContext, Professional, ServiceSlot, ZoneTable};
    use domain::ports::availability::MockAvailabilityRepository;
    use domain::reads::{TimeRange, WorkingHours};
    use domain::{ServiceId, UserId};

    fn query(days: i64) -> SlotQuery {
        SlotQuery {
            service_id: ServiceId::new(),
            user_id: None,
            from: now(),
            to: now() + Duration::days(days),
        }
    }

    fn context(service: Option<ServiceSlot>, known: bool) -> AvailabilityContext {
        AvailabilityContext {
            timezone: "UTC".into(),
            clinic_hours: WorkingHours::new(),
            buffer_minutes: 10,
            slot_step_minutes: 15,
            service,
            professional_known: known,
            professionals: vec![],
            zone: ZoneTable::new(),
        }
    }

    #[tokio::test]
    async fn ranges_over_31_days_or_backwards_are_refused_before_any_read() {
        let mut repo = MockAvailabilityRepository::new();
        repo.expect_context().never();
        let uc = FindSlots::new(Arc::new(repo), Arc::new(clock()));
        for q in [query(32), query(0), query(-1)] {
            let err = uc.run(tenant(), q).await.unwrap_err();
            assert!(
                matches!(&err, FindSlotsError::Invalid(i) if i[0].field == "to"),
                "{err:?}"
            );
        }
    }

    #[tokio::test]
    async fn unknown_or_inactive_services_and_unknown_professionals_are_named() {
        let mut repo = MockAvailabilityRepository::new();
        repo.expect_context()
            .times(1)
            .returning(|_, _| Ok(context(None, false)));
        let err = FindSlots::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), query(7))
            .await
            .unwrap_err();
        let FindSlotsError::Invalid(issues) = err else {
            panic!("{err:?}")
        };
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["service_id", "user_id"]);

        let mut repo = MockAvailabilityRepository::new();
        repo.expect_context().returning(|_, _| {
            Ok(context(
                Some(ServiceSlot {
                    duration_minutes: 30,
                    active: false,
                }),
                true,
            ))
        });
        let err = FindSlots::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), query(7))
            .await
            .unwrap_err();
        assert!(matches!(&err, FindSlotsError::Invalid(i) if i[0].message.contains("not active")));
    }

    #[tokio::test]
    async fn slots_start_from_now_and_echo_the_rules() {
        // Every day 00:00–23:55 in UTC; "now" is 12:00 on 2026-03-10.
        let p = UserId::new();
        let mut repo = MockAvailabilityRepository::new();
        repo.expect_context().returning(move |_, q| {
            let mut c = context(
                Some(ServiceSlot {
                    duration_minutes: 60,
                    active: true,
                }),
                true,
            );
            let day = vec![TimeRange {
                start: "00:00".into(),
                end: "23:55".into(),
            }];
            c.clinic_hours = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .map(|d| ((*d).to_owned(), day.clone()))
                .collect();
            c.professionals = vec![Professional {
                user_id: p,
                weekly_hours: c.clinic_hours.clone(),
                busy: vec![],
            }];
            let weekly = vec![&c.professionals[0].weekly_hours];
            for (d, m) in
                domain::availability::needed_local_times(q.from, q.to, &c.clinic_hours, &weekly)
            {
                let at =
                    d.and_hms_opt(0, 0, 0).unwrap().and_utc() + Duration::minutes(i64::from(m));
                c.zone.insert(d, m, at);
            }
            Ok(c)
        });
        let mut q = query(1);
        q.from = now() - Duration::hours(6);
        let got = FindSlots::new(Arc::new(repo), Arc::new(clock()))
            .run(tenant(), q)
            .await
            .unwrap();
        assert_eq!(got.slots[0].starts_at, now());
        assert_eq!(
            (
                got.duration_minutes,
                got.buffer_minutes,
                got.slot_step_minutes
            ),
            (60, 10, 15)
        );
        assert!(
            got.slots
                .iter()
                .all(|s| s.starts_at >= now() && s.starts_at < q.to)
        );
    }
}
