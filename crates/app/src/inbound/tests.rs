//! Use-case tests of the inbound flows against mocked ports.
#![allow(clippy::unwrap_used)]

use super::*;
use chrono::{TimeZone, Utc};
use domain::inbound::Ingested;
use domain::integrations::{IntegrationSecrets, IntegrationStatus, Provider, ResolvedIntegration};
use domain::ports::clock::MockClock;
use domain::ports::inbound::{MockInboundStore, MockSignatureVerifier, SignatureFailure};
use domain::ports::integrations::MockIntegrationDirectory;
use domain::{ClientId, ConversationId, IntegrationId, InteractionId};

fn clock() -> MockClock {
    let mut c = MockClock::new();
    c.expect_now()
        .return_const(Utc.with_ymd_and_hms(2026, 5, 4, 12, 0, 0).unwrap());
    c
}

fn integration(company: CompanyId, status: IntegrationStatus) -> ResolvedIntegration {
    ResolvedIntegration {
        id: IntegrationId::new(),
        company_id: company,
        provider: Provider::Whatsapp,
        account_id: "acc-1".into(),
        status,
        config: serde_json::json!({}),
        secrets: IntegrationSecrets {
            webhook_secret: Some("whsec_clinic".into()),
            ..Default::default()
        },
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

#[tokio::test]
async fn a_signed_delivery_is_verified_with_the_accounts_secret_and_stored() {
    let company = CompanyId::new();
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_route()
        .withf(|p, a| *p == Provider::Whatsapp && a == "acc-1")
        .returning(move |_, _| Ok(Some(integration(company, IntegrationStatus::Active))));
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
        .withf(move |c, m| {
            *c == company
                && m.sender.external_id == "5511987654321"
                && m.provider_message_id == "wamid.1"
        })
        .times(1)
        .returning(|_, _| Ok(ingested()));
    let (c, results) = inbound(dir, ver, store, None)
        .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
        .await
        .unwrap();
    assert_eq!(c, company);
    assert_eq!(results.len(), 1);
}

#[tokio::test]
async fn unknown_inactive_and_badly_signed_deliveries_are_one_401_and_store_nothing() {
    let company = CompanyId::new();
    for case in ["unknown", "inactive", "bad-signature"] {
        let mut dir = MockIntegrationDirectory::new();
        let routed = match case {
            "unknown" => None,
            "inactive" => Some(integration(company, IntegrationStatus::Inactive)),
            _ => Some(integration(company, IntegrationStatus::Active)),
        };
        dir.expect_route().returning(move |_, _| Ok(routed.clone()));
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
async fn the_legacy_secret_is_used_only_when_no_integration_matches() {
    let legacy_company = CompanyId::new();
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_route().returning(|_, _| Ok(None));
    let mut ver = MockSignatureVerifier::new();
    ver.expect_verify_atende()
        .withf(|secrets, _, _, _, _| secrets == &["legacy-secret"])
        .returning(|_, _, _, _, _| Ok(()));
    let mut store = MockInboundStore::new();
    store
        .expect_ingest()
        .withf(move |c, _| *c == legacy_company)
        .returning(|_, _| Ok(ingested()));
    let legacy = LegacyWebhook {
        secret: "legacy-secret".into(),
        company: legacy_company,
    };
    let (c, _) = inbound(dir, ver, store, Some(legacy))
        .receive_relay(Provider::Whatsapp, Some("sig".into()), body())
        .await
        .unwrap();
    assert_eq!(c, legacy_company);
}

#[tokio::test]
async fn a_stale_signature_is_reported_as_stale() {
    let company = CompanyId::new();
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_route()
        .returning(move |_, _| Ok(Some(integration(company, IntegrationStatus::Active))));
    let mut ver = MockSignatureVerifier::new();
    ver.expect_verify_atende()
        .returning(|_, _, _, _, _| Err(SignatureFailure::Stale));
    let mut store = MockInboundStore::new();
    store.expect_ingest().never();
    let err = inbound(dir, ver, store, None)
        .receive_relay(Provider::Whatsapp, None, body())
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
    dir.expect_route()
        .returning(move |_, _| Ok(Some(integration(company, IntegrationStatus::Active))));
    let mut ver = MockSignatureVerifier::new();
    ver.expect_verify_atende().returning(|_, _, _, _, _| Ok(()));
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
    let err = inbound(dir, ver, store, None)
        .receive_relay(Provider::Whatsapp, None, batch)
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
async fn meta_entries_signed_with_another_accounts_secret_are_skipped() {
    let (a, b) = (CompanyId::new(), CompanyId::new());
    let mut dir = MockIntegrationDirectory::new();
    dir.expect_route().returning(move |_, account| {
        let (company, secret) = if account == "PNID1" {
            (a, "secret-a")
        } else {
            (b, "secret-b")
        };
        let mut i = integration(company, IntegrationStatus::Active);
        i.secrets.app_secret = Some(secret.into());
        Ok(Some(i))
    });
    let mut ver = MockSignatureVerifier::new();
    ver.expect_verify_meta().returning(|secret, _, _| {
        if secret == "secret-a" {
            Ok(())
        } else {
            Err(SignatureFailure::Invalid)
        }
    });
    let mut store = MockInboundStore::new();
    store
        .expect_ingest()
        .withf(move |c, _| *c == a)
        .times(1)
        .returning(|_, _| Ok(ingested()));
    let change = |pnid: &str, wamid: &str| {
        serde_json::json!({"field": "messages", "value": {"metadata": {"phone_number_id": pnid},
            "messages": [{"from": "5511987654321", "id": wamid, "timestamp": "1780000000", "type": "text", "text": {"body": "oi"}}]}})
    };
    let body = serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "W", "changes": [change("PNID1", "wamid.a"), change("PNID2", "wamid.b")]}]
    }))
    .unwrap();
    let outcome = inbound(dir, ver, store, None)
        .receive_meta(Provider::Whatsapp, Some("s".into()), body)
        .await
        .unwrap();
    assert_eq!(outcome.stored, 1);
    assert_eq!(outcome.skipped, 1);
}
