//! Shared helpers for the integration tests: app construction, problem assertions and the
//! throwaway routes that exercise extractors.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod capture;
pub mod routes;
pub mod signed_in;

use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::test;
use api_http::{AppState, HttpSettings};
use domain::ports::health::{MockHealthProbe, Readiness};
use serde_json::Value;

/// State whose probe answers `readiness` every time it is asked.
pub fn state_with(readiness: Readiness) -> AppState {
    let mut probe = MockHealthProbe::new();
    probe
        .expect_readiness()
        .returning(move || readiness.clone());
    AppState {
        health: Arc::new(probe),
        deps: mock_deps(),
        crm: mock_crm(),
        http: HttpSettings::default(),
        integrations: mock_integrations(),
        conversations: mock_conversations(),
        reads: mock_reads(),
        profiles: mock_profiles(),
        inbound: mock_inbound(),
        outbox: mock_outbox(),
        snapshots: mock_snapshots(),
        agenda: mock_agenda(),
        payments: mock_payments(),
        labels: app::labels::Labels::new(
            Arc::new(domain::ports::labels::MockLabelRepository::new()),
            Arc::new(domain::ports::clock::MockClock::new()),
        ),
        reports: app::reports::Reports::new(Arc::new(
            domain::ports::reports::MockReportRepository::new(),
        )),
        search: app::search::Search {
            messages: Arc::new(domain::ports::search::MockMessageSearch::new()),
        },
        webhook_limits: Arc::new(api_http::webhooks::limiter::WebhookLimits::default()),
        metrics: api_http::metrics::Metrics::default(),
        metrics_access: api_http::metrics::MetricsAccess::Off,
        events: Arc::new(app::events::EventStreams::new(
            Arc::new(domain::ports::events::MockEventLog::new()),
            Arc::new(domain::ports::events::MockEventFeed::new()),
            app::events::StreamLimits::default(),
        )),
        event_timing: api_http::events::StreamTiming::default(),
    }
}

/// Availability, schedule and time-off ports that panic when called.
pub fn mock_agenda() -> app::availability::Agenda {
    use domain::ports::{availability, clock};
    app::availability::Agenda {
        availability: Arc::new(availability::MockAvailabilityRepository::new()),
        schedules: Arc::new(availability::MockScheduleRepository::new()),
        time_off: Arc::new(availability::MockTimeOffRepository::new()),
        clock: Arc::new(clock::MockClock::new()),
    }
}

/// Payment ports that panic when called.
pub fn mock_payments() -> app::payments::Payments {
    use domain::ports::{clock, payments};
    app::payments::Payments {
        payments: Arc::new(payments::MockPaymentRepository::new()),
        clock: Arc::new(clock::MockClock::new()),
    }
}

/// Conversation ports that panic when called.
pub fn mock_conversations() -> app::conversations::Conversations {
    use domain::ports::{clock, conversations, notes};
    app::conversations::Conversations::new(
        Arc::new(conversations::MockConversationRepository::new()),
        Arc::new(notes::MockNoteRepository::new()),
        Arc::new(clock::MockClock::new()),
    )
}

/// Read-model ports that panic when called.
pub fn mock_reads() -> app::reads::Reads {
    use domain::ports::{clock, reads};
    app::reads::Reads::new(
        Arc::new(reads::MockReadModels::new()),
        Arc::new(reads::MockSettingsRepository::new()),
        Arc::new(clock::MockClock::new()),
    )
}

/// Profile ports that panic when called.
pub fn mock_profiles() -> app::reads::Profiles {
    use domain::ports::{clock, reads};
    app::reads::Profiles::new(
        Arc::new(reads::MockReadModels::new()),
        Arc::new(clock::MockClock::new()),
    )
}

/// Snapshot ports that panic when called.
pub fn mock_snapshots() -> app::snapshots::Snapshots {
    use domain::ports::{analyzer, clock, integrations, snapshots};
    app::snapshots::Snapshots::new(
        app::snapshots::SnapshotPorts {
            store: Arc::new(snapshots::MockSnapshotStore::new()),
            integrations: Arc::new(integrations::MockIntegrationDirectory::new()),
            models: Arc::new(snapshots::MockModelAnalyzers::new()),
            heuristic: Arc::new(analyzer::MockContextAnalyzer::new()),
            clock: Arc::new(clock::MockClock::new()),
        },
        app::snapshots::SnapshotPolicy::default(),
    )
}

/// Outbox ports that panic when called.
pub fn mock_outbox() -> app::outbound::Outbox {
    use domain::ports::{clock, outbox};
    app::outbound::Outbox::new(
        Arc::new(outbox::MockOutboxStore::new()),
        Arc::new(clock::MockClock::new()),
        6,
    )
}

/// Inbound ports that panic when called.
pub fn mock_inbound() -> app::inbound::Inbound {
    use domain::ports::{clock, inbound, integrations};
    app::inbound::Inbound::new(
        Arc::new(integrations::MockIntegrationDirectory::new()),
        Arc::new(inbound::MockSignatureVerifier::new()),
        Arc::new(inbound::MockInboundStore::new()),
        Arc::new(clock::MockClock::new()),
        None,
    )
}

/// Integration ports that panic when called.
pub fn mock_integrations() -> app::integrations::Integrations {
    use domain::ports::{integration_store, integrations};
    app::integrations::Integrations::new(
        Arc::new(integration_store::MockIntegrationRepository::new()),
        Arc::new(integrations::MockIntegrationDirectory::new()),
    )
}

/// Use-case ports that panic when called: these tests never reach a use case.
pub fn mock_deps() -> app::Deps {
    use domain::ports::{accounts, clock, crypto, members};
    app::Deps {
        clock: Arc::new(clock::MockClock::new()),
        passwords: Arc::new(crypto::MockPasswordHashing::new()),
        tokens: Arc::new(crypto::MockTokenService::new()),
        identities: Arc::new(accounts::MockIdentityRepository::new()),
        sessions: Arc::new(accounts::MockSessionRepository::new()),
        attempts: Arc::new(accounts::MockAttemptRepository::new()),
        resets: Arc::new(accounts::MockPasswordResetRepository::new()),
        directory: Arc::new(accounts::MockDirectory::new()),
        members: Arc::new(members::MockMemberRepository::new()),
        api_tokens: Arc::new(members::MockApiTokenRepository::new()),
        companies: Arc::new(members::MockCompanyRepository::new()),
        devices: None,
        external: None,
        policy: app::AuthPolicy::default(),
        principals: Arc::new(app::auth::PrincipalCache::disabled()),
        credential_watch: None,
    }
}

/// Client, service and appointment ports that panic when called.
pub fn mock_crm() -> app::crm::Crm {
    use domain::ports::{appointments, catalog, clients, clock};
    app::crm::Crm {
        clients: Arc::new(clients::MockClientRepository::new()),
        regions: Arc::new(clients::MockPhoneRegion::new()),
        services: Arc::new(catalog::MockServiceRepository::new()),
        appointments: Arc::new(appointments::MockAppointmentRepository::new()),
        clock: Arc::new(clock::MockClock::new()),
    }
}

/// State for tests that never reach the probe.
pub fn state() -> AppState {
    state_with(Readiness::Ready)
}

/// The production app plus the test routes of [`routes::configure`], initialised for
/// `actix_web::test` (a macro because the service type names a crate we do not depend on).
#[macro_export]
macro_rules! test_app {
    () => {
        actix_web::test::init_service(api_http::app_with_routes(
            $crate::support::state(),
            $crate::support::routes::configure,
        ))
        .await
    };
}

/// Header value as `&str`, panicking when absent.
pub fn header<'a, B>(res: &'a ServiceResponse<B>, name: &str) -> &'a str {
    res.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
}

/// Reads a problem response, checking status, media type, code and that the body's
/// `request_id` equals the `X-Request-Id` header. Returns the body.
pub async fn read_problem<B: MessageBody>(
    res: ServiceResponse<B>,
    status: StatusCode,
    code: &str,
) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(header(&res, "content-type"), "application/problem+json");
    let request_id = header(&res, "x-request-id").to_owned();
    let body: Value = test::read_body_json(res).await;
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string());
    assert_eq!(body["request_id"], request_id.as_str(), "body: {body}");
    body
}
