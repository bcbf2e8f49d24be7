//! Use-case tests of the inbound flows against mocked ports.
#![allow(clippy::unwrap_used)]

use super::*;
use chrono::{TimeZone, Utc};
use domain::inbound::Ingested;
use domain::integrations::{
    IntegrationSecrets, IntegrationStatus, Provider, ResolvedIntegration, RouteCandidate,
};
use domain::ports::clock::MockClock;
use domain::ports::inbound::{MockInboundStore, MockSignatureVerifier, SignatureFailure};
use domain::ports::integrations::MockIntegrationDirectory;
use domain::{ClientId, ConversationId, IntegrationId, InteractionId};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0).unwrap()
}

fn clock() -> MockClock {
    let mut c = MockClock::new();
    c.expect_now().return_const(now());
    c
}

/// A verified candidate of `company` for `acc-1` whose webhook and app secret is `secret`.
fn candidate(company: CompanyId, secret: &str) -> RouteCandidate {
    candidate_for(company, "acc-1", secret)
}

fn candidate_for(company: CompanyId, account: &str, secret: &str) -> RouteCandidate {
    RouteCandidate {
        integration: ResolvedIntegration {
            id: IntegrationId::new(),
            company_id: company,
            provider: Provider::Whatsapp,
            account_id: account.into(),
            status: IntegrationStatus::Active,
            config: serde_json::json!({}),
            secrets: IntegrationSecrets {
                webhook_secret: Some(secret.into()),
                app_secret: Some(secret.into()),
                ..Default::default()
            },
        },
        verified_at: Some(now()),
        sealed_with_previous_key: false,
    }
}

fn body() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "account_id": "acc-1", "message_id": "wamid.1", "from": {"id": "5511987654321", "name": "Ana"},
        "type": "text", "text": "Oi", "timestamp": 1_780_000_000
    }))
    .unwrap()
}

fn ingested() -> Ingested {
    Ingested {
        interaction_id: InteractionId::new(),
        conversation_id: ConversationId::new(),
        client_id: ClientId::new(),
        duplicate: false,
    }
}

fn inbound(
    dir: MockIntegrationDirectory,
    ver: MockSignatureVerifier,
    store: MockInboundStore,
    legacy: Option<LegacyWebhook>,
) -> Inbound {
    Inbound::new(
        Arc::new(dir),
        Arc::new(ver),
        Arc::new(store),
        Arc::new(clock()),
        legacy,
    )
}

/// A verifier that accepts exactly `good` (Atende and Meta schemes alike).
fn verifier_accepting(good: &'static str) -> MockSignatureVerifier {
    let mut ver = MockSignatureVerifier::new();
    ver.expect_verify_atende()
        .returning(move |secrets, _, _, _, _| {
            if secrets == [good] {
                Ok(())
            } else {
                Err(SignatureFailure::Invalid)
            }
        });
    ver.expect_verify_meta().returning(move |secret, _, _| {
        if secret == good {
            Ok(())
        } else {
            Err(SignatureFailure::Invalid)
        }
    });
    ver
}

#[tokio::test]
async fn a_signed_delivery_is_verified_with_the_accounts_secret_and_stored() {
    let company = CompanyId::new();
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes()
        .withf(|p, a| *p == Provider::Whatsapp && a == &["acc-1"])
        .times(1)
        .returning(move |_, _| Ok(vec![candidate(company, "whsec_clinic")]));
    dir.expect_record_delivery().never();
    let mut ver = MockSignatureVerifier::new();
    ver.expect_verify_atende()
        .withf(|secrets, header, _, now, tol| {
            secrets == &["whsec_clinic"]
                && header.as_deref() == Some("sig")
                && *now == 1_777_896_000
                && *tol == 300
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let mut store = MockInboundStore::new();
    store
        .expect_ingest()
        .withf(move |c, m, _| {
            *c == company
                && m.sender.external_id == "5511987654321"
                && m.provider_message_id == "wamid.1"
        })
        .times(1)
        .returning(|_, _, _| Ok(ingested()));
    let (c, results) = inbound(dir, ver, store, None)
        .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
        .await
        .unwrap();
    assert_eq!(c, company);
    assert_eq!(results.len(), 1);
}

#[tokio::test]
async fn unknown_and_badly_signed_deliveries_are_one_401_and_store_nothing() {
    let company = CompanyId::new();
    for case in ["unknown", "bad-signature"] {
        let mut dir = MockIntegrationDirectory::new();
        let routed = match case {
            // Inactive integrations are not candidates: the same as unknown.
            "unknown" => vec![],
            _ => vec![candidate(company, "whsec_clinic")],
        };
        dir.expect_routes()
            .times(1)
            .returning(move |_, _| Ok(routed.clone()));
        let mut ver = MockSignatureVerifier::new();
        ver.expect_verify_atende()
            .returning(|_, _, _, _, _| Err(SignatureFailure::Invalid));
        let mut store = MockInboundStore::new();
        store.expect_ingest().never();
        let err = inbound(dir, ver, store, None)
            .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
            .await
            .unwrap_err();
        assert!(
            matches!(err, InboundError::Unauthorized(SignatureFailure::Invalid)),
            "{case}: {err:?}"
        );
    }
}

#[tokio::test]
async fn an_unsigned_delivery_or_an_impossible_account_id_is_refused_without_a_lookup() {
    for (signature, account) in [
        (None, "acc-1"),
        (Some("sig"), "acc\u{0}1"),
        (Some("sig"), ""),
    ] {
        let mut dir = MockIntegrationDirectory::new();
        dir.expect_routes().never();
        let mut store = MockInboundStore::new();
        store.expect_ingest().never();
        let body = serde_json::to_vec(&serde_json::json!({"account_id": account})).unwrap();
        let err = inbound(dir, MockSignatureVerifier::new(), store, None)
            .receive_relay(Provider::Whatsapp, signature.map(str::to_owned), body)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            InboundError::Unauthorized(SignatureFailure::Invalid)
        ));
    }
}

#[tokio::test]
async fn an_account_found_routing_nowhere_is_remembered_and_not_looked_up_again() {
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes().times(1).returning(|_, _| Ok(vec![]));
    let uc = inbound(dir, verifier_accepting("x"), MockInboundStore::new(), None);
    for _ in 0..3 {
        let err = uc
            .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
            .await
            .unwrap_err();
        assert!(matches!(err, InboundError::Unauthorized(_)));
    }
    // Creating an integration for it on this node forgets it at once.
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes().times(2).returning(|_, _| Ok(vec![]));
    let uc = inbound(dir, verifier_accepting("x"), MockInboundStore::new(), None);
    let _ = uc
        .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
        .await;
    uc.forget_unknown_account(Provider::Whatsapp, "acc-1");
    let _ = uc
        .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
        .await;
}

#[tokio::test]
async fn two_clinics_holding_one_account_id_each_get_only_what_their_own_secret_signs() {
    let (squatter, owner) = (CompanyId::new(), CompanyId::new());
    for (signed_with, lands_in) in [("secret-owner", owner), ("secret-squatter", squatter)] {
        let mut dir = MockIntegrationDirectory::new();
        // The squatter registered first and even proved its own integration: it is tried first.
        dir.expect_routes().returning(move |_, _| {
            Ok(vec![
                candidate(squatter, "secret-squatter"),
                candidate(owner, "secret-owner"),
            ])
        });
        let mut store = MockInboundStore::new();
        store
            .expect_ingest()
            .withf(move |c, _, _| *c == lands_in)
            .times(1)
            .returning(|_, _, _| Ok(ingested()));
        let ver = verifier_accepting(signed_with);
        let (c, _) = inbound(dir, ver, store, None)
            .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
            .await
            .unwrap();
        assert_eq!(c, lands_in);
    }
}

#[tokio::test]
async fn the_first_authenticated_delivery_is_recorded_on_a_pending_integration() {
    let company = CompanyId::new();
    let mut pending = candidate(company, "whsec_clinic");
    pending.verified_at = None;
    let id = pending.integration.id;
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes()
        .returning(move |_, _| Ok(vec![pending.clone()]));
    dir.expect_record_delivery()
        .withf(move |c| c.integration.id == id)
        .times(1)
        .returning(|_| Ok(()));
    let mut store = MockInboundStore::new();
    store.expect_ingest().returning(|_, _, _| Ok(ingested()));
    inbound(dir, verifier_accepting("whsec_clinic"), store, None)
        .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
        .await
        .unwrap();
}

#[tokio::test]
async fn the_legacy_secret_claims_for_the_default_clinic_only_what_no_integration_verifies() {
    let (legacy_company, other) = (CompanyId::new(), CompanyId::new());
    let legacy = LegacyWebhook {
        secret: "legacy-secret".into(),
        company: legacy_company,
    };
    for routed in [vec![], vec![candidate(other, "someone-elses")]] {
        let mut dir = MockIntegrationDirectory::new();
        dir.expect_routes()
            .returning(move |_, _| Ok(routed.clone()));
        let mut store = MockInboundStore::new();
        store
            .expect_ingest()
            .withf(move |c, _, _| *c == legacy_company)
            .times(1)
            .returning(|_, _, _| Ok(ingested()));
        let (c, _) = inbound(
            dir,
            verifier_accepting("legacy-secret"),
            store,
            Some(legacy.clone()),
        )
        .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
        .await
        .unwrap();
        assert_eq!(c, legacy_company);
    }
    // An integration's own secret wins over the legacy fallback.
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes()
        .returning(move |_, _| Ok(vec![candidate(other, "legacy-secret")]));
    let mut store = MockInboundStore::new();
    store
        .expect_ingest()
        .withf(move |c, _, _| *c == other)
        .returning(|_, _, _| Ok(ingested()));
    let (c, _) = inbound(
        dir,
        verifier_accepting("legacy-secret"),
        store,
        Some(legacy),
    )
    .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
    .await
    .unwrap();
    assert_eq!(c, other);
}

#[tokio::test]
async fn a_stale_signature_is_reported_as_stale() {
    let company = CompanyId::new();
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes()
        .returning(move |_, _| Ok(vec![candidate(company, "whsec_clinic")]));
    let mut ver = MockSignatureVerifier::new();
    ver.expect_verify_atende()
        .returning(|_, _, _, _, _| Err(SignatureFailure::Stale));
    let mut store = MockInboundStore::new();
    store.expect_ingest().never();
    let err = inbound(dir, ver, store, None)
        .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        InboundError::Unauthorized(SignatureFailure::Stale)
    ));
}

#[tokio::test]
async fn one_invalid_message_in_a_batch_stores_nothing_and_names_the_field() {
    let company = CompanyId::new();
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes()
        .returning(move |_, _| Ok(vec![candidate(company, "whsec_clinic")]));
    let mut store = MockInboundStore::new();
    store.expect_ingest().never();
    let batch = serde_json::to_vec(&serde_json::json!({
        "account_id": "acc-1",
        "messages": [
            {"message_id": "w1", "from": {"id": "5511987654321"}, "type": "text", "text": "ok", "timestamp": 1_780_000_000},
            {"message_id": "w2", "from": {"id": "5511987654321"}, "type": "text", "timestamp": "nope"}
        ]
    }))
    .unwrap();
    let err = inbound(dir, verifier_accepting("whsec_clinic"), store, None)
        .receive_relay(Provider::Whatsapp, Some("sig".into()), batch)
        .await
        .unwrap_err();
    let InboundError::Invalid(issues) = err else {
        panic!("expected 422")
    };
    let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
    assert!(fields.contains(&"messages[1].timestamp"), "{fields:?}");
    assert!(fields.contains(&"messages[1].text"), "{fields:?}");
}

#[tokio::test]
async fn nul_characters_are_removed_and_future_timestamps_clamped_before_storing() {
    let company = CompanyId::new();
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes()
        .returning(move |_, _| Ok(vec![candidate(company, "whsec_clinic")]));
    let mut store = MockInboundStore::new();
    store
        .expect_ingest()
        .withf(|_, m, _| {
            m.text.as_deref() == Some("Oi tudo bem")
                && m.sender.name.as_deref() == Some("Ana")
                && m.occurred_at == now() + domain::inbound::max_clock_skew()
                && m.metadata["sanitized"]["nul_removed_from"]
                    == serde_json::json!(["text", "sender.name"])
                && m.metadata["sanitized"]["occurred_at_received"] == "2099-01-01T00:00:00+00:00"
        })
        .times(1)
        .returning(|_, _, _| Ok(ingested()));
    let body = serde_json::to_vec(&serde_json::json!({
        "account_id": "acc-1", "message_id": "wamid.1", "from": {"id": "5511987654321", "name": "A\u{0}na"},
        "type": "text", "text": "Oi\u{0} tudo bem", "timestamp": "2099-01-01T00:00:00Z"
    }))
    .unwrap();
    inbound(dir, verifier_accepting("whsec_clinic"), store, None)
        .receive_relay(Provider::Whatsapp, Some("sig".into()), body)
        .await
        .unwrap();
}

fn meta_change(pnid: &str, wamid: &str) -> serde_json::Value {
    serde_json::json!({"field": "messages", "value": {"metadata": {"phone_number_id": pnid},
        "messages": [{"from": "5511987654321", "id": wamid, "timestamp": "1780000000", "type": "text", "text": {"body": "oi"}}]}})
}

fn meta_body(changes: Vec<serde_json::Value>) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "W", "changes": changes}]
    }))
    .unwrap()
}

#[tokio::test]
async fn meta_entries_signed_with_another_accounts_secret_are_skipped() {
    let (a, b) = (CompanyId::new(), CompanyId::new());
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes()
        .withf(|_, accounts| accounts == &["PNID1", "PNID2"])
        .times(1)
        .returning(move |_, _| {
            Ok(vec![
                candidate_for(a, "PNID1", "secret-a"),
                candidate_for(b, "PNID2", "secret-b"),
            ])
        });
    let mut store = MockInboundStore::new();
    store
        .expect_ingest()
        .withf(move |c, _, _| *c == a)
        .times(1)
        .returning(|_, _, _| Ok(ingested()));
    let body = meta_body(vec![
        meta_change("PNID1", "wamid.a"),
        meta_change("PNID2", "wamid.b"),
    ]);
    let outcome = inbound(dir, verifier_accepting("secret-a"), store, None)
        .receive_meta(Provider::Whatsapp, Some("s".into()), body)
        .await
        .unwrap();
    assert_eq!(outcome.stored, 1);
    assert_eq!(outcome.skipped, 1);
}

#[tokio::test]
async fn an_unsigned_meta_delivery_naming_many_accounts_costs_one_lookup_and_few_hmacs() {
    // Every one of the 50 accounts is somebody's (the worst case for the attacker's cost).
    let accounts: Vec<String> = (0..MAX_META_ACCOUNTS).map(|i| format!("PN{i}")).collect();
    let routed: Vec<RouteCandidate> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| candidate_for(CompanyId::new(), a, &format!("secret-{i}")))
        .collect();
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes()
        .times(1)
        .returning(move |_, _| Ok(routed.clone()));
    dir.expect_record_delivery().never();
    let mut ver = MockSignatureVerifier::new();
    ver.expect_verify_meta()
        .times(MAX_SECRETS_BEFORE_AUTH)
        .returning(|_, _, _| Err(SignatureFailure::Invalid));
    let mut store = MockInboundStore::new();
    store.expect_ingest().never();
    let body = meta_body(
        accounts
            .iter()
            .map(|a| meta_change(a, &format!("wamid.{a}")))
            .collect(),
    );
    let err = inbound(dir, ver, store, None)
        .receive_meta(Provider::Whatsapp, Some("sha256=00".into()), body)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        InboundError::Unauthorized(SignatureFailure::Invalid)
    ));
}

#[tokio::test]
async fn meta_deliveries_over_the_caps_are_refused_before_any_lookup() {
    let many_accounts = meta_body(
        (0..1500)
            .map(|i| meta_change(&format!("PN{i}"), &format!("wamid.{i}")))
            .collect(),
    );
    let many_entries = serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": (0..=MAX_META_ENTRIES).map(|_| serde_json::json!({"changes": []})).collect::<Vec<_>>()
    }))
    .unwrap();
    for (body, code) in [
        (many_accounts, "too_many_accounts"),
        (many_entries, "too_many_entries"),
    ] {
        let mut dir = MockIntegrationDirectory::new();
        dir.expect_routes().never();
        let err = inbound(
            dir,
            MockSignatureVerifier::new(),
            MockInboundStore::new(),
            None,
        )
        .receive_meta(Provider::Whatsapp, Some("sha256=00".into()), body)
        .await
        .unwrap_err();
        assert!(
            matches!(err, InboundError::TooLarge { code: c, .. } if c == code),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn a_meta_delivery_whose_first_account_is_unknown_is_still_routed_with_one_lookup() {
    let company = CompanyId::new();
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_routes()
        .times(1)
        .returning(move |_, _| Ok(vec![candidate_for(company, "PN-MINE", "secret-mine")]));
    let mut store = MockInboundStore::new();
    store
        .expect_ingest()
        .withf(move |c, m, _| *c == company && m.provider_message_id == "wamid.mine")
        .times(1)
        .returning(|_, _, _| Ok(ingested()));
    let body = meta_body(vec![
        meta_change("PN-NOT-IN-ATENDE", "wamid.other"),
        meta_change("PN-MINE", "wamid.mine"),
    ]);
    let uc = inbound(dir, verifier_accepting("secret-mine"), store, None);
    let delivery = uc
        .authenticate_meta(Provider::Whatsapp, Some("s".into()), body)
        .await
        .unwrap();
    assert_eq!(delivery.accounts(), [(company, "PN-MINE".to_owned())]);
    let outcome = uc.store_meta(delivery).await.unwrap();
    assert_eq!((outcome.stored, outcome.skipped), (1, 1));
}
