//! Unit tests of the `outbound_dispatch` handler over mocked ports.
#![allow(clippy::unwrap_used)]

use super::testing::{clock_at, stored, t0, thread};
use super::{DispatchSettings, FallbackRelay, OutboundDispatch};
use crate::jobs::JobHandler;
use chrono::Duration;
use domain::conversations::{
    ContentType, DeliveryStatus, Direction, InteractionSource, NewInteraction,
};
use domain::inbound::StatusApplied;
use domain::integrations::{IntegrationSecrets, IntegrationStatus, Provider, ResolvedIntegration};
use domain::jobs::{Job, JobOutcome};
use domain::outbound::{DispatchInfo, SentRecord};
use domain::ports::dispatcher::{
    DispatchResult, DispatchTarget, MockOutboundDispatcher, Recipient,
};
use domain::ports::inbound::MockInboundStore;
use domain::ports::integrations::MockIntegrationDirectory;
use domain::ports::outbox::MockOutboxStore;
use domain::{Channel, ClientId, CompanyId, IntegrationId, InteractionId, JobId};
use std::sync::Arc;

struct Mocks {
    store: MockOutboxStore,
    statuses: MockInboundStore,
    directory: MockIntegrationDirectory,
    dispatcher: MockOutboundDispatcher,
    fallback: Option<FallbackRelay>,
}

impl Mocks {
    /// A queued WhatsApp message with a recipient and a clinic with an n8n integration.
    fn new(status: DeliveryStatus) -> (Self, InteractionId) {
        let conv = thread(ClientId::new(), t0());
        let id = InteractionId::new();
        let message = stored(&NewInteraction {
            id,
            conversation_id: conv.id,
            client_id: conv.client_id,
            channel: Channel::Whatsapp,
            direction: Direction::Outbound,
            content_type: ContentType::Text,
            text: Some("Olá".into()),
            media: None,
            metadata: serde_json::json!({}),
            external_id: None,
            status,
            source: InteractionSource::Api,
            sent_by_user_id: None,
            occurred_at: t0(),
        });
        let mut store = MockOutboxStore::new();
        store.expect_dispatch_info().returning(move |_, _| {
            Ok(Some(DispatchInfo {
                interaction: message.clone(),
                recipient: Some(Recipient {
                    external_id: "5511987654321".into(),
                    phone: None,
                    username: None,
                }),
            }))
        });
        let mut directory = MockIntegrationDirectory::new();
        directory
            .expect_active_for_company()
            .returning(|company, provider| {
                Ok((provider == Provider::N8n).then(|| ResolvedIntegration {
                    id: IntegrationId::new(),
                    company_id: company,
                    provider,
                    account_id: "n8n-main".into(),
                    status: IntegrationStatus::Active,
                    config: serde_json::json!({"outbound_url": "https://n8n.test/webhook/out"}),
                    secrets: IntegrationSecrets {
                        outbound_secret: Some("outbound-secret".into()),
                        ..Default::default()
                    },
                }))
            });
        let mocks = Self {
            store,
            statuses: MockInboundStore::new(),
            directory,
            dispatcher: MockOutboundDispatcher::new(),
            fallback: None,
        };
        (mocks, id)
    }

    fn handler(self) -> OutboundDispatch {
        OutboundDispatch::new(
            Arc::new(self.store),
            Arc::new(self.statuses),
            Arc::new(self.directory),
            Arc::new(self.dispatcher),
            Arc::new(clock_at(t0())),
            DispatchSettings {
                backoff: vec![5, 30],
                public_url: "https://atende.test/".into(),
                fallback: self.fallback,
            },
        )
    }
}

fn job(id: InteractionId, attempts: u32, max_attempts: u32) -> Job {
    Job {
        id: JobId::new(),
        company_id: CompanyId::new(),
        kind: "outbound_dispatch".into(),
        payload: serde_json::json!({"interaction_id": id}),
        attempts,
        max_attempts,
    }
}

#[tokio::test]
async fn a_2xx_marks_the_message_sent_with_the_provider_id() {
    let (mut m, id) = Mocks::new(DeliveryStatus::Queued);
    m.dispatcher
        .expect_dispatch()
        .withf(move |t, msg| {
            t.url == "https://n8n.test/webhook/out"
                && t.secret == "outbound-secret"
                && msg.interaction_id == id
                && msg.callback_url == "https://atende.test/webhooks/n8n/status"
                && msg.channel == "whatsapp"
                && msg.text == "Olá"
        })
        .times(1)
        .returning(|_, _| DispatchResult::Sent {
            provider_message_id: Some("wamid.1".into()),
        });
    m.store
        .expect_record_sent()
        .withf(move |_, i, pid, at| *i == id && pid.as_deref() == Some("wamid.1") && *at == t0())
        .times(1)
        .returning(|_, _, _, _| Ok(SentRecord::Recorded));
    m.statuses.expect_apply_status().never();
    let out = m.handler().run(job(id, 1, 6)).await;
    assert_eq!(
        out,
        JobOutcome::Done(Some(
            serde_json::json!({"status": "sent", "provider_message_id": "wamid.1"})
        ))
    );
}

#[tokio::test]
async fn a_reply_whose_provider_id_cannot_be_kept_is_still_sent_and_never_retried() {
    let (mut m, id) = Mocks::new(DeliveryStatus::Queued);
    m.dispatcher
        .expect_dispatch()
        .times(1)
        .returning(|_, _| DispatchResult::Sent {
            provider_message_id: Some("constant-id".into()),
        });
    m.store
        .expect_record_sent()
        .times(1)
        .returning(|_, _, _, _| Ok(SentRecord::RecordedWithoutProviderId { issue: "conflict" }));
    let out = m.handler().run(job(id, 1, 6)).await;
    assert_eq!(
        out,
        JobOutcome::Done(Some(serde_json::json!({
            "status": "sent", "provider_message_id": null, "provider_id_issue": "conflict"
        })))
    );
}

#[tokio::test]
async fn a_sent_reply_that_cannot_be_recorded_at_all_is_retried_with_its_idempotency_key() {
    let (mut m, id) = Mocks::new(DeliveryStatus::Queued);
    m.dispatcher
        .expect_dispatch()
        .times(1)
        .returning(|_, _| DispatchResult::Sent {
            provider_message_id: None,
        });
    m.store
        .expect_record_sent()
        .times(1)
        .returning(|_, _, _, _| Err(anyhow::anyhow!("database unavailable")));
    let JobOutcome::RetryAt { error, .. } = m.handler().run(job(id, 1, 6)).await else {
        panic!("expected a retry")
    };
    assert!(error.starts_with("sent, status not recorded"), "{error}");
}

#[tokio::test]
async fn a_message_no_longer_queued_is_not_sent_again() {
    let (mut m, id) = Mocks::new(DeliveryStatus::Sent);
    m.dispatcher.expect_dispatch().never();
    let out = m.handler().run(job(id, 2, 6)).await;
    assert_eq!(
        out,
        JobOutcome::Done(Some(serde_json::json!({"skipped": "sent"})))
    );
}

#[tokio::test]
async fn a_rejection_fails_the_message_at_once_with_its_error() {
    let (mut m, id) = Mocks::new(DeliveryStatus::Queued);
    m.dispatcher
        .expect_dispatch()
        .times(1)
        .returning(|_, _| DispatchResult::Rejected {
            status: 400,
            error: "n8n answered 400".into(),
        });
    m.statuses
        .expect_apply_status()
        .withf(|_, r| {
            r.status == DeliveryStatus::Failed
                && r.error == Some(serde_json::json!({"code": 400, "title": "n8n answered 400"}))
        })
        .times(1)
        .returning(move |_, _| Ok(StatusApplied::Advanced(id)));
    let out = m.handler().run(job(id, 1, 6)).await;
    assert_eq!(out, JobOutcome::Failed("n8n answered 400".into()));
}

#[tokio::test]
async fn transient_failures_back_off_then_fail_when_the_budget_is_spent() {
    let (mut m, id) = Mocks::new(DeliveryStatus::Queued);
    m.dispatcher
        .expect_dispatch()
        .returning(|_, _| DispatchResult::Retryable {
            error: "n8n answered 503".into(),
            retry_after_secs: Some(120),
        });
    m.statuses
        .expect_apply_status()
        .withf(|_, r| {
            r.status == DeliveryStatus::Failed
                && r.error.as_ref().is_some_and(|e| {
                    e["code"] == "retries_exhausted" && e["title"] == "n8n answered 503"
                })
        })
        .times(1)
        .returning(move |_, _| Ok(StatusApplied::Advanced(id)));
    let h = m.handler();
    let JobOutcome::RetryAt { at, error } = h.run(job(id, 1, 3)).await else {
        panic!("expected a retry")
    };
    assert_eq!(error, "n8n answered 503");
    assert_eq!(
        at,
        t0() + Duration::seconds(120),
        "Retry-After wins over a shorter backoff"
    );
    let JobOutcome::RetryAt { at, .. } = h.run(job(id, 2, 3)).await else {
        panic!("expected a retry")
    };
    assert_eq!(at, t0() + Duration::seconds(120));
    assert!(matches!(h.run(job(id, 3, 3)).await, JobOutcome::Failed(_)));
}

#[tokio::test]
async fn the_fallback_relay_serves_only_the_default_clinic_and_without_both_the_message_fails() {
    let (mut m, id) = Mocks::new(DeliveryStatus::Queued);
    m.directory = MockIntegrationDirectory::new();
    m.directory
        .expect_active_for_company()
        .returning(|_, _| Ok(None));
    let default_clinic = job(id, 1, 6);
    m.fallback = Some(FallbackRelay {
        company: default_clinic.company_id,
        target: DispatchTarget {
            url: "https://env.test/out".into(),
            secret: "env-secret".into(),
        },
    });
    m.dispatcher
        .expect_dispatch()
        .withf(|t, msg| t.url == "https://env.test/out" && msg.account_id.is_none())
        .times(1)
        .returning(|_, _| DispatchResult::Sent {
            provider_message_id: None,
        });
    m.store
        .expect_record_sent()
        .returning(|_, _, _, _| Ok(SentRecord::Recorded));
    assert!(matches!(
        m.handler().run(default_clinic).await,
        JobOutcome::Done(_)
    ));

    // Another clinic without an integration never gets the fallback relay.
    let (mut m, id) = Mocks::new(DeliveryStatus::Queued);
    m.directory = MockIntegrationDirectory::new();
    m.directory
        .expect_active_for_company()
        .returning(|_, _| Ok(None));
    m.fallback = Some(FallbackRelay {
        company: CompanyId::new(),
        target: DispatchTarget {
            url: "https://env.test/out".into(),
            secret: "env-secret".into(),
        },
    });
    m.dispatcher.expect_dispatch().never();
    m.statuses
        .expect_apply_status()
        .withf(|_, r| {
            r.error
                .as_ref()
                .is_some_and(|e| e["code"] == "no_integration")
        })
        .times(1)
        .returning(move |_, _| Ok(StatusApplied::Advanced(id)));
    assert_eq!(
        m.handler().run(job(id, 1, 6)).await,
        JobOutcome::Failed("no n8n integration".into())
    );

    let (mut m, id) = Mocks::new(DeliveryStatus::Queued);
    m.directory = MockIntegrationDirectory::new();
    m.directory
        .expect_active_for_company()
        .returning(|_, _| Ok(None));
    m.dispatcher.expect_dispatch().never();
    m.statuses
        .expect_apply_status()
        .withf(|_, r| {
            r.status == DeliveryStatus::Failed
                && r.error
                    .as_ref()
                    .is_some_and(|e| e["code"] == "no_integration")
        })
        .times(1)
        .returning(move |_, _| Ok(StatusApplied::Advanced(id)));
    assert_eq!(
        m.handler().run(job(id, 1, 6)).await,
        JobOutcome::Failed("no n8n integration".into())
    );
}

#[tokio::test]
async fn without_retry_after_the_configured_backoff_is_used_with_bounded_jitter() {
    let (mut m, id) = Mocks::new(DeliveryStatus::Queued);
    m.dispatcher
        .expect_dispatch()
        .returning(|_, _| DispatchResult::Retryable {
            error: "timed out after 10s".into(),
            retry_after_secs: None,
        });
    let h = m.handler();
    for (attempt, base) in [(1, 5.0), (2, 30.0), (5, 30.0)] {
        let JobOutcome::RetryAt { at, .. } = h.run(job(id, attempt, 6)).await else {
            panic!("expected a retry")
        };
        let secs = (at - t0()).num_milliseconds() as f64 / 1000.0;
        assert!(
            secs >= base * 0.8 && secs <= base * 1.2,
            "attempt {attempt}: {secs}s"
        );
    }
}
