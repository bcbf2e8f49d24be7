#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Use-case tests of the analyst: budget, lock, masking, analyzer choice, triggers, daily rule.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use domain::auth::Tenant;
use domain::conversations::Direction;
use domain::integrations::{IntegrationSecrets, IntegrationStatus, Provider, ResolvedIntegration};
use domain::jobs::{Job, JobOutcome};
use domain::ports::analyzer::{ContextAnalyzer, MockContextAnalyzer};
use domain::ports::clock::MockClock;
use domain::ports::integrations::MockIntegrationDirectory;
use domain::ports::jobs::MockJobQueue;
use domain::ports::snapshots::{MockModelAnalyzers, SnapshotStore};
use domain::snapshots::*;
use domain::{
    Channel, ClientId, CompanyId, ConversationId, IntegrationId, InteractionId, JobId, SnapshotId,
    UserId,
};

use super::triggers::{
    ClientSnapshotHandler, ConversationClosedHandler, DailyScheduler, DailySnapshotHandler,
    run_daily,
};
use super::*;
use crate::jobs::JobHandler;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 12, 0, 0).unwrap()
}

/// A reservation in the fake: its patient, whether it is running, whether it uses the
/// server's key.
type Run = (SnapshotRunId, ClientId, bool, bool);

#[derive(Default)]
struct FakeStore {
    material: Option<SnapshotMaterial>,
    rows: Mutex<Vec<Snapshot>>,
    runs: Mutex<Vec<Run>>,
    ended: tokio::sync::Notify,
    inbound: Vec<ClientId>,
    clocks: Vec<ClinicClock>,
}

impl FakeStore {
    fn end(&self, run: SnapshotRunId) {
        for r in self.runs.lock().unwrap().iter_mut() {
            if r.0 == run {
                r.2 = false;
            }
        }
        self.ended.notify_waiters();
    }

    fn running(&self) -> usize {
        self.runs.lock().unwrap().iter().filter(|r| r.2).count()
    }
}

#[async_trait]
impl SnapshotStore for FakeStore {
    async fn material(
        &self,
        _: CompanyId,
        _: ClientId,
        window: u32,
    ) -> anyhow::Result<Option<SnapshotMaterial>> {
        Ok(self.material.clone().map(|mut m| {
            let skip = m.messages.len().saturating_sub(window as usize);
            m.messages.drain(..skip);
            m
        }))
    }
    async fn conversation_of(
        &self,
        _: CompanyId,
        _: ClientId,
        _: ConversationId,
    ) -> anyhow::Result<bool> {
        Ok(true)
    }
    async fn latest(&self, _: CompanyId, _: ClientId) -> anyhow::Result<Option<Snapshot>> {
        Ok(self.rows.lock().unwrap().last().cloned())
    }
    async fn reserve(
        &self,
        _: CompanyId,
        client: ClientId,
        run: SnapshotRunId,
        server_key: bool,
        rules: ReservationRules,
    ) -> anyhow::Result<Reservation> {
        let mut runs = self.runs.lock().unwrap();
        let facts = ReservationFacts {
            latest: self.rows.lock().unwrap().last().cloned(),
            in_flight: runs.iter().find(|r| r.1 == client && r.2).map(|r| r.0),
            running: u32::try_from(runs.iter().filter(|r| r.2).count()).unwrap(),
            server_key_used: u32::try_from(runs.iter().filter(|r| r.3).count()).unwrap(),
            server_key_oldest: Some(now() - Duration::hours(1)),
        };
        let decision = decide(run, &facts, &rules);
        if decision == Reservation::Reserved(run) {
            runs.push((run, client, true, server_key));
        }
        Ok(decision)
    }
    async fn complete(
        &self,
        _: CompanyId,
        run: SnapshotRunId,
        data: NewSnapshot,
        at: DateTime<Utc>,
        min_interval: Duration,
    ) -> anyhow::Result<Stored> {
        let latest = self.rows.lock().unwrap().last().cloned();
        let stored = match latest {
            Some(l) if at < l.created_at + min_interval => Stored::Reused(l),
            _ => {
                let s = Snapshot {
                    data,
                    created_at: now(),
                };
                self.rows.lock().unwrap().push(s.clone());
                Stored::Created(s)
            }
        };
        self.end(run);
        Ok(stored)
    }
    async fn release(&self, _: CompanyId, run: SnapshotRunId) -> anyhow::Result<()> {
        self.end(run);
        Ok(())
    }
    async fn wait_for(
        &self,
        _: CompanyId,
        run: SnapshotRunId,
        max_wait: std::time::Duration,
    ) -> anyhow::Result<bool> {
        let deadline = tokio::time::Instant::now() + max_wait;
        loop {
            let ended = self.ended.notified();
            if !self.runs.lock().unwrap().iter().any(|r| r.0 == run && r.2) {
                return Ok(true);
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                return Ok(false);
            }
        }
    }
    async fn get(&self, _: CompanyId, id: SnapshotId) -> anyhow::Result<Option<Snapshot>> {
        Ok(self
            .rows
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.data.id == id)
            .cloned())
    }
    async fn history(
        &self,
        _: CompanyId,
        _: ClientId,
        _: Option<SnapshotCursor>,
        _: u32,
    ) -> anyhow::Result<Option<Vec<Snapshot>>> {
        Ok(Some(
            self.rows.lock().unwrap().iter().rev().cloned().collect(),
        ))
    }
    async fn clients_with_inbound_since(
        &self,
        _: CompanyId,
        _: DateTime<Utc>,
    ) -> anyhow::Result<Vec<ClientId>> {
        Ok(self.inbound.clone())
    }
    async fn clinic_clocks(&self, _: DateTime<Utc>) -> anyhow::Result<Vec<ClinicClock>> {
        Ok(self.clocks.clone())
    }
}

fn message(text: &str, minutes: i64) -> RawMessage {
    RawMessage {
        id: InteractionId(uuid::Uuid::now_v7()),
        direction: Direction::Inbound,
        channel: Channel::Whatsapp,
        at: now() - Duration::minutes(minutes),
        content_type: "text".into(),
        text: Some(text.into()),
    }
}

fn material() -> SnapshotMaterial {
    SnapshotMaterial {
        client_name: Some("Maria Aparecida Silva".into()),
        locale: "pt-BR".into(),
        facts: ClientFacts {
            status: "active".into(),
            appointments_total: 3,
            appointments_completed: 1,
            appointments_canceled: 1,
            appointments_no_show: 1,
            last_visit_at: None,
            next_appointment_at: None,
            services_used: vec!["Limpeza".into()],
        },
        messages: vec![
            message(
                "Oi, aqui é a Maria Silva, meu cel é +55 11 98765-4321 e email maria.silva@gmail.com",
                30,
            ),
            message("CPF 123.456.789-09. Achei caro, prefiro de manhã", 20),
            message(&"longo ".repeat(200), 10),
        ],
    }
}

fn report(analyzer: &str) -> AnalysisReport {
    AnalysisReport {
        analysis: Analysis {
            summary: "Paciente pergunta sobre preço.".into(),
            flags: SnapshotFlags {
                no_show_risk: NoShowRisk::Medium,
                sentiment: Sentiment::Neutral,
                preferences: vec![],
                objections: vec!["preço".into()],
                topics: vec![],
            },
            next_best_action: None,
            evidence: vec![InteractionId(uuid::Uuid::now_v7())],
        },
        analyzer: analyzer.into(),
        model: Some("gpt-test".into()),
        prompt_tokens: Some(100),
        completion_tokens: Some(20),
        latency_ms: 5,
    }
}

fn clock() -> Arc<MockClock> {
    let mut c = MockClock::new();
    c.expect_now().returning(now);
    Arc::new(c)
}

fn no_integration() -> Arc<MockIntegrationDirectory> {
    let mut d = MockIntegrationDirectory::new();
    d.expect_active_for_company().returning(|_, _| Ok(None));
    Arc::new(d)
}

fn no_models() -> Arc<MockModelAnalyzers> {
    let mut m = MockModelAnalyzers::new();
    m.expect_has_default_key().return_const(false);
    m.expect_endpoint().never();
    Arc::new(m)
}

fn service(store: Arc<FakeStore>, heuristic: Arc<dyn ContextAnalyzer>) -> Snapshots {
    service_with(store, heuristic, no_integration(), no_models())
}

fn service_with(
    store: Arc<FakeStore>,
    heuristic: Arc<dyn ContextAnalyzer>,
    integrations: Arc<MockIntegrationDirectory>,
    models: Arc<MockModelAnalyzers>,
) -> Snapshots {
    service_policy(
        store,
        heuristic,
        integrations,
        models,
        SnapshotPolicy::default(),
    )
}

fn service_policy(
    store: Arc<FakeStore>,
    heuristic: Arc<dyn ContextAnalyzer>,
    integrations: Arc<MockIntegrationDirectory>,
    models: Arc<MockModelAnalyzers>,
    policy: SnapshotPolicy,
) -> Snapshots {
    Snapshots::new(
        SnapshotPorts {
            store,
            integrations,
            models,
            heuristic,
            clock: clock(),
        },
        policy,
    )
}

fn manual(client: ClientId) -> GenerateRequest {
    GenerateRequest {
        client_id: client,
        source_conversation_id: None,
        trigger: SnapshotTrigger::Manual,
    }
}

fn tenant() -> Tenant {
    Tenant {
        company_id: CompanyId(uuid::Uuid::now_v7()),
        user_id: Some(UserId(uuid::Uuid::now_v7())),
    }
}

fn stored(created_at: DateTime<Utc>) -> Snapshot {
    Snapshot {
        data: NewSnapshot {
            id: SnapshotId(uuid::Uuid::now_v7()),
            client_id: ClientId(uuid::Uuid::now_v7()),
            source_conversation_id: None,
            summary: "antes".into(),
            flags: report("x").analysis.flags,
            next_best_action: None,
            evidence: vec![],
            trigger: SnapshotTrigger::Manual,
            requested_by: None,
            analyzer: "heuristic-v1".into(),
            model: None,
            locale: "pt-BR".into(),
            schema_version: 1,
            input_message_count: 0,
            input_from: None,
            input_to: None,
            prompt_tokens: None,
            completion_tokens: None,
            latency_ms: None,
        },
        created_at,
    }
}

#[tokio::test]
async fn no_name_phone_email_or_cpf_reaches_the_analyzer_and_texts_are_cut() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let seen: Arc<Mutex<Option<AnalysisInput>>> = Arc::default();
    let mut analyzer = MockContextAnalyzer::new();
    let captured = seen.clone();
    analyzer
        .expect_analyze()
        .times(1)
        .returning(move |input, key| {
            assert!(key.is_none());
            *captured.lock().unwrap() = Some(input);
            Ok(report("heuristic-v1"))
        });
    let g = service(store, Arc::new(analyzer))
        .generate(tenant(), manual(ClientId(uuid::Uuid::now_v7())))
        .await
        .unwrap();
    assert!(!g.reused);
    let input = seen.lock().unwrap().clone().unwrap();
    let sent = serde_json::to_string(&input).unwrap();
    for secret in [
        "Maria",
        "Silva",
        "Aparecida",
        "98765",
        "4321",
        "maria.silva",
        "gmail",
        "123.456",
        "789-09",
    ] {
        assert!(
            !sent.contains(secret),
            "{secret} reached the analyzer: {sent}"
        );
    }
    assert!(sent.contains("caro"), "the rest of the text is kept");
    assert_eq!(input.messages.len(), 3);
    assert!(
        input.messages.windows(2).all(|w| w[0].at <= w[1].at),
        "oldest first"
    );
    assert!(
        input
            .messages
            .iter()
            .all(|m| m.text.chars().count() <= MESSAGE_MAX_CHARS)
    );
    assert_eq!(input.locale, "pt-BR");
    assert_eq!(input.facts.appointments_no_show, 1);
    // Evidence the analyzer invented (not an input id) is dropped; tokens and model are kept.
    assert!(g.snapshot.data.evidence.is_empty());
    assert_eq!(g.snapshot.data.prompt_tokens, Some(100));
    assert_eq!(g.snapshot.data.input_message_count, 3);
    assert_eq!(g.next_allowed_at, now() + Duration::hours(12));
}

#[tokio::test]
async fn within_the_budget_the_latest_is_reused_without_calling_the_analyzer() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let latest = stored(now() - Duration::hours(11));
    store.rows.lock().unwrap().push(latest.clone());
    let mut analyzer = MockContextAnalyzer::new();
    analyzer.expect_analyze().never();
    let g = service(store.clone(), Arc::new(analyzer))
        .generate(tenant(), manual(latest.data.client_id))
        .await
        .unwrap();
    assert!(g.reused);
    assert_eq!(g.snapshot, latest);
    assert_eq!(g.next_allowed_at, latest.created_at + Duration::hours(12));
    assert_eq!(store.rows.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn after_the_window_a_new_snapshot_is_made() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    store
        .rows
        .lock()
        .unwrap()
        .push(stored(now() - Duration::hours(12)));
    let mut analyzer = MockContextAnalyzer::new();
    analyzer
        .expect_analyze()
        .times(1)
        .returning(|_, _| Ok(report("heuristic-v1")));
    let g = service(store.clone(), Arc::new(analyzer))
        .generate(tenant(), manual(ClientId(uuid::Uuid::now_v7())))
        .await
        .unwrap();
    assert!(!g.reused);
    assert_eq!(store.rows.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_failing_analyzer_stores_nothing_and_spends_no_budget() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let mut analyzer = MockContextAnalyzer::new();
    let mut calls = 0;
    analyzer.expect_analyze().times(2).returning(move |_, _| {
        calls += 1;
        if calls == 1 {
            Err(AnalyzerError::Unavailable("down".into()))
        } else {
            Ok(report("heuristic-v1"))
        }
    });
    let s = service(store.clone(), Arc::new(analyzer));
    let client = ClientId(uuid::Uuid::now_v7());
    let err = s.generate(tenant(), manual(client)).await.unwrap_err();
    assert!(matches!(
        err,
        GenerateError::Analyzer(AnalyzerError::Unavailable(_))
    ));
    assert!(store.rows.lock().unwrap().is_empty());
    assert_eq!(store.running(), 0, "the reservation was released");
    let g = s.generate(tenant(), manual(client)).await.unwrap();
    assert!(!g.reused, "the failure cost no budget");
    assert_eq!(store.running(), 0, "and the next one closed");
}

#[tokio::test]
async fn an_unknown_client_is_not_found() {
    let store = Arc::new(FakeStore::default());
    let mut analyzer = MockContextAnalyzer::new();
    analyzer.expect_analyze().never();
    let err = service(store, Arc::new(analyzer))
        .generate(tenant(), manual(ClientId(uuid::Uuid::now_v7())))
        .await
        .unwrap_err();
    assert!(matches!(err, GenerateError::ClientNotFound));
}

struct CountingAnalyzer(AtomicUsize);

#[async_trait]
impl ContextAnalyzer for CountingAnalyzer {
    async fn analyze(
        &self,
        _: AnalysisInput,
        _: Option<String>,
    ) -> Result<AnalysisReport, AnalyzerError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        Ok(report("heuristic-v1"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_generations_for_one_patient_make_one_analysis() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let analyzer = Arc::new(CountingAnalyzer(AtomicUsize::new(0)));
    let s = service(store.clone(), analyzer.clone());
    let (t, client) = (tenant(), ClientId(uuid::Uuid::now_v7()));
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.generate(t, manual(client)).await.unwrap() })
        })
        .collect();
    let mut created = 0;
    let mut ids = std::collections::HashSet::new();
    for r in runs {
        let g = r.await.unwrap();
        created += usize::from(!g.reused);
        ids.insert(g.snapshot.data.id);
    }
    assert_eq!(analyzer.0.load(Ordering::SeqCst), 1);
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1, "every caller gets that one snapshot");
}

fn openai_integration(company: CompanyId, key: &str) -> ResolvedIntegration {
    ResolvedIntegration {
        id: IntegrationId(uuid::Uuid::now_v7()),
        company_id: company,
        provider: Provider::Openai,
        account_id: "main".into(),
        status: IntegrationStatus::Active,
        config: serde_json::json!({ "base_url": "http://127.0.0.1:9/v1", "model": "clinic-model" }),
        secrets: IntegrationSecrets {
            api_key: Some(key.into()),
            ..IntegrationSecrets::default()
        },
    }
}

#[tokio::test]
async fn the_clinic_key_and_endpoint_come_first_then_the_server_key_then_the_heuristic() {
    // The clinic's own integration.
    let t = tenant();
    let mut dir = MockIntegrationDirectory::new();
    let company = t.company_id;
    dir.expect_active_for_company()
        .withf(move |c, p| *c == company && *p == Provider::Openai)
        .returning(move |c, _| Ok(Some(openai_integration(c, "sk-clinic"))));
    let mut models = MockModelAnalyzers::new();
    models.expect_has_default_key().return_const(true);
    models
        .expect_endpoint()
        .withf(|b, m| {
            b.as_deref() == Some("http://127.0.0.1:9/v1") && m.as_deref() == Some("clinic-model")
        })
        .times(1)
        .returning(|_, _| {
            let mut a = MockContextAnalyzer::new();
            a.expect_analyze()
                .withf(|_, key| key.as_deref() == Some("sk-clinic"))
                .times(1)
                .returning(|_, _| Ok(report("openai")));
            Ok(Arc::new(a))
        });
    let mut heuristic = MockContextAnalyzer::new();
    heuristic.expect_analyze().never();
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let g = service_with(store, Arc::new(heuristic), Arc::new(dir), Arc::new(models))
        .generate(t, manual(ClientId(uuid::Uuid::now_v7())))
        .await
        .unwrap();
    assert_eq!(g.snapshot.data.analyzer, "openai");
    assert_eq!(g.snapshot.data.requested_by, t.user_id);

    // No clinic key: the server's default endpoint and key.
    let mut models = MockModelAnalyzers::new();
    models.expect_has_default_key().return_const(true);
    models
        .expect_endpoint()
        .withf(|b, m| b.is_none() && m.is_none())
        .times(1)
        .returning(|_, _| {
            let mut a = MockContextAnalyzer::new();
            a.expect_analyze()
                .withf(|_, key| key.is_none())
                .times(1)
                .returning(|_, _| Ok(report("openai")));
            Ok(Arc::new(a))
        });
    let mut heuristic = MockContextAnalyzer::new();
    heuristic.expect_analyze().never();
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let g = service_with(
        store,
        Arc::new(heuristic),
        no_integration(),
        Arc::new(models),
    )
    .generate(tenant(), manual(ClientId(uuid::Uuid::now_v7())))
    .await
    .unwrap();
    assert_eq!(g.snapshot.data.analyzer, "openai");

    // Neither: the heuristic analyzer.
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let g = service(store, Arc::new(heuristic::HeuristicAnalyzer::new()))
        .generate(tenant(), manual(ClientId(uuid::Uuid::now_v7())))
        .await
        .unwrap();
    assert_eq!(g.snapshot.data.analyzer, "heuristic-v1");
    assert_eq!(g.snapshot.data.model, None);
}

fn closed_job(company: CompanyId, client: ClientId, attempts: u32) -> Job {
    Job {
        id: JobId(uuid::Uuid::now_v7()),
        company_id: company,
        kind: domain::jobs::kinds::CONVERSATION_CLOSED.into(),
        payload: serde_json::json!({ "client_id": client, "conversation_id": uuid::Uuid::now_v7(), "reason": "resolved" }),
        attempts,
        max_attempts: 3,
    }
}

#[tokio::test]
async fn a_closed_conversation_makes_a_snapshot_and_a_budget_skip_is_recorded_not_an_error() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let mut analyzer = MockContextAnalyzer::new();
    analyzer
        .expect_analyze()
        .times(1)
        .returning(|_, _| Ok(report("heuristic-v1")));
    let h = ConversationClosedHandler::new(service(store.clone(), Arc::new(analyzer)));
    let (company, client) = (
        CompanyId(uuid::Uuid::now_v7()),
        ClientId(uuid::Uuid::now_v7()),
    );
    let JobOutcome::Done(Some(first)) = h.run(closed_job(company, client, 1)).await else {
        panic!("not done")
    };
    assert_eq!(first["outcome"], "created");
    let rows = store.rows.lock().unwrap().clone();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].data.trigger, SnapshotTrigger::ConversationClosed);
    assert!(rows[0].data.source_conversation_id.is_some());
    assert_eq!(rows[0].data.requested_by, None);
    let JobOutcome::Done(Some(second)) = h.run(closed_job(company, client, 1)).await else {
        panic!("not done")
    };
    assert_eq!(second["outcome"], "skipped_budget");
    assert!(second["next_allowed_at"].is_string());
}

#[tokio::test]
async fn an_unavailable_analyzer_is_retried_with_backoff_then_given_up_with_the_reason() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let mut analyzer = MockContextAnalyzer::new();
    analyzer
        .expect_analyze()
        .returning(|_, _| Err(AnalyzerError::Unavailable("503".into())));
    let h = ConversationClosedHandler::new(service(store.clone(), Arc::new(analyzer)));
    let (company, client) = (
        CompanyId(uuid::Uuid::now_v7()),
        ClientId(uuid::Uuid::now_v7()),
    );
    match h.run(closed_job(company, client, 1)).await {
        JobOutcome::RetryAt { at, error } => {
            assert!(
                at >= now() + Duration::seconds(48) && at <= now() + Duration::seconds(72),
                "{at}"
            );
            assert_eq!(error, "analyzer_unavailable");
        }
        other => panic!("{other:?}"),
    }
    match h.run(closed_job(company, client, 3)).await {
        JobOutcome::Failed(why) => assert!(
            why.contains("analyzer_unavailable") && why.contains("3 attempts"),
            "{why}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(store.rows.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_daily_rule_snapshots_recently_active_patients_within_the_budget() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        inbound: vec![
            ClientId(uuid::Uuid::now_v7()),
            ClientId(uuid::Uuid::now_v7()),
        ],
        ..FakeStore::default()
    });
    // The fake keeps one history for all patients: the second one finds the snapshot the first
    // one just got, so its budget counts as spent.
    let mut analyzer = MockContextAnalyzer::new();
    analyzer
        .expect_analyze()
        .times(1)
        .returning(|_, _| Ok(report("heuristic-v1")));
    let s = service(store.clone(), Arc::new(analyzer));
    let counts = run_daily(&s, CompanyId(uuid::Uuid::now_v7()))
        .await
        .unwrap();
    assert_eq!(counts.clients, 2);
    assert_eq!(counts.created, 1);
    assert_eq!(counts.skipped_budget, 1);
    assert_eq!(counts.failed, 0);
    assert_eq!(
        store.rows.lock().unwrap()[0].data.trigger,
        SnapshotTrigger::Scheduled
    );
    assert_eq!(counts.to_json()["created"], 1);
}

#[tokio::test]
async fn the_scheduler_queues_one_run_per_clinic_and_local_date_once_the_daily_time_passed() {
    let (early, due) = (
        CompanyId(uuid::Uuid::now_v7()),
        CompanyId(uuid::Uuid::now_v7()),
    );
    let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let store = Arc::new(FakeStore {
        clocks: vec![
            ClinicClock {
                company_id: early,
                local_now: day.and_hms_opt(2, 59, 0).unwrap(),
            },
            ClinicClock {
                company_id: due,
                local_now: day.and_hms_opt(3, 0, 0).unwrap(),
            },
        ],
        ..FakeStore::default()
    });
    let mut queue = MockJobQueue::new();
    queue
        .expect_enqueue()
        .withf(move |c, job| {
            *c == due
                && job.kind == domain::jobs::kinds::SNAPSHOT_DAILY
                && job.unique_key.as_deref() == Some("2026-11-29")
                && job.payload["local_date"] == "2026-11-29"
        })
        .times(2)
        .returning({
            let mut first = true;
            move |_, _| {
                // The second node's insert hits the unique key: the queue says None.
                let id = first.then(|| JobId(uuid::Uuid::now_v7()));
                first = false;
                Ok(id)
            }
        });
    let scheduler = DailyScheduler::new(
        service(store, Arc::new(MockContextAnalyzer::new())),
        Arc::new(queue),
    );
    assert_eq!(scheduler.tick().await.unwrap(), 1);
    assert_eq!(
        scheduler.tick().await.unwrap(),
        0,
        "a second tick (or node) queues nothing new"
    );
}

/// An analyzer that waits for `open` before answering (a slow model).
struct GatedAnalyzer {
    open: tokio::sync::watch::Receiver<bool>,
    calls: AtomicUsize,
}

#[async_trait]
impl ContextAnalyzer for GatedAnalyzer {
    async fn analyze(
        &self,
        _: AnalysisInput,
        _: Option<String>,
    ) -> Result<AnalysisReport, AnalyzerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut open = self.open.clone();
        let _ = open.wait_for(|o| *o).await;
        Ok(report("heuristic-v1"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clinic_at_its_analysis_limit_is_busy_and_its_jobs_are_deferred_not_failed() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let (gate, open) = tokio::sync::watch::channel(false);
    let analyzer = Arc::new(GatedAnalyzer {
        open,
        calls: AtomicUsize::new(0),
    });
    let policy = SnapshotPolicy {
        max_concurrent: 1,
        ..SnapshotPolicy::default()
    };
    let s = service_policy(
        store.clone(),
        analyzer.clone(),
        no_integration(),
        no_models(),
        policy,
    );
    let t = tenant();
    let slow = {
        let s = s.clone();
        tokio::spawn(async move {
            s.generate(t, manual(ClientId(uuid::Uuid::now_v7())))
                .await
                .unwrap()
        })
    };
    while analyzer.calls.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let other = ClientId(uuid::Uuid::now_v7());
    let err = s.generate(t, manual(other)).await.unwrap_err();
    assert!(
        matches!(err, GenerateError::Busy { retry_after } if retry_after == Duration::seconds(10)),
        "{err:?}"
    );
    let job = Job {
        kind: domain::jobs::kinds::SNAPSHOT_CLIENT.into(),
        payload: serde_json::json!({ "client_id": other, "local_date": "2026-11-29" }),
        ..closed_job(t.company_id, other, 1)
    };
    match ClientSnapshotHandler::new(s.clone()).run(job).await {
        JobOutcome::Deferred { at, reason } => {
            assert_eq!(at, now() + Duration::seconds(10));
            assert!(reason.contains("limit"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        analyzer.calls.load(Ordering::SeqCst),
        1,
        "no second analysis"
    );
    gate.send_replace(true);
    assert!(!slow.await.unwrap().reused);
    assert_eq!(store.running(), 0);
}

#[tokio::test]
async fn the_server_keys_daily_quota_is_counted_per_clinic_and_a_clinic_key_is_not() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let server_models = || {
        let mut models = MockModelAnalyzers::new();
        models.expect_has_default_key().return_const(true);
        models.expect_endpoint().returning(|_, _| {
            let mut a = MockContextAnalyzer::new();
            a.expect_analyze().returning(|_, _| Ok(report("openai")));
            Ok(Arc::new(a))
        });
        Arc::new(models)
    };
    // The budget is off so that each call is a new analysis.
    let policy = SnapshotPolicy {
        min_interval: Duration::zero(),
        server_key_daily_quota: 2,
        ..SnapshotPolicy::default()
    };
    let s = service_policy(
        store.clone(),
        Arc::new(MockContextAnalyzer::new()),
        no_integration(),
        server_models(),
        policy,
    );
    let t = tenant();
    for _ in 0..2 {
        s.generate(t, manual(ClientId(uuid::Uuid::now_v7())))
            .await
            .unwrap();
    }
    let client = ClientId(uuid::Uuid::now_v7());
    let err = s.generate(t, manual(client)).await.unwrap_err();
    assert!(
        matches!(err, GenerateError::QuotaExceeded { until } if until == now() + Duration::hours(23)),
        "{err:?}"
    );
    // A job records the skip instead of retrying.
    let JobOutcome::Done(Some(result)) = ConversationClosedHandler::new(s.clone())
        .run(closed_job(t.company_id, client, 1))
        .await
    else {
        panic!("not done")
    };
    assert_eq!(result["outcome"], "skipped_quota");
    assert!(result["quota_resets_at"].is_string());
    // The clinic's own key is not counted against the server's quota.
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_active_for_company()
        .returning(|c, _| Ok(Some(openai_integration(c, "sk-clinic"))));
    let own = service_policy(
        store,
        Arc::new(MockContextAnalyzer::new()),
        Arc::new(dir),
        server_models(),
        policy,
    );
    assert!(own.generate(t, manual(client)).await.is_ok());
}

#[tokio::test]
async fn the_daily_sweep_queues_one_job_per_recently_active_patient() {
    let (a, b) = (
        ClientId(uuid::Uuid::now_v7()),
        ClientId(uuid::Uuid::now_v7()),
    );
    let store = Arc::new(FakeStore {
        inbound: vec![a, b],
        ..FakeStore::default()
    });
    let mut queue = MockJobQueue::new();
    queue
        .expect_enqueue_many()
        .withf(move |_, jobs| {
            jobs.len() == 2
                && jobs.iter().all(|j| {
                    j.kind == domain::jobs::kinds::SNAPSHOT_CLIENT
                        && j.payload["local_date"] == "2026-11-29"
                        && j.max_attempts == Some(3)
                })
                && jobs[0].unique_key.as_deref() == Some(&format!("2026-11-29:{a}") as &str)
                && jobs[1].payload["client_id"] == b.to_string()
        })
        .times(1)
        .returning(|_, _| Ok(2));
    let mut analyzer = MockContextAnalyzer::new();
    analyzer.expect_analyze().never();
    let sweep = DailySnapshotHandler::new(service(store, Arc::new(analyzer)), Arc::new(queue));
    let job = Job {
        kind: domain::jobs::kinds::SNAPSHOT_DAILY.into(),
        payload: serde_json::json!({ "local_date": "2026-11-29" }),
        ..closed_job(CompanyId(uuid::Uuid::now_v7()), a, 1)
    };
    let JobOutcome::Done(Some(result)) = sweep.run(job).await else {
        panic!("not done")
    };
    assert_eq!(
        result,
        serde_json::json!({"local_date": "2026-11-29", "clients": 2, "queued": 2})
    );
}

#[tokio::test]
async fn a_patients_scheduled_job_makes_a_scheduled_snapshot() {
    let store = Arc::new(FakeStore {
        material: Some(material()),
        ..FakeStore::default()
    });
    let client = ClientId(uuid::Uuid::now_v7());
    let job = Job {
        kind: domain::jobs::kinds::SNAPSHOT_CLIENT.into(),
        payload: serde_json::json!({ "client_id": client, "local_date": "2026-11-29" }),
        ..closed_job(CompanyId(uuid::Uuid::now_v7()), client, 1)
    };
    let s = service(store.clone(), Arc::new(heuristic::HeuristicAnalyzer::new()));
    let JobOutcome::Done(Some(result)) = ClientSnapshotHandler::new(s).run(job).await else {
        panic!("not done")
    };
    assert_eq!(result["outcome"], "created");
    let rows = store.rows.lock().unwrap();
    assert_eq!(rows[0].data.trigger, SnapshotTrigger::Scheduled);
    assert_eq!(rows[0].data.source_conversation_id, None);
}
