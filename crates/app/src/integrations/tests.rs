#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use chrono::{TimeZone, Utc};
use domain::auth::{AuthMethod, Principal, Role};
use domain::integration_admin::{IntegrationPatch, IntegrationRecord, SecretChange, SecretsPatch};
use domain::integrations::{IntegrationSecrets, IntegrationStatus, Provider};
use domain::ports::integration_store::{MockIntegrationRepository, StoreIntegrationError};
use domain::ports::integrations::MockIntegrationDirectory;
use domain::{CompanyId, IntegrationId, UserId};
use serde_json::json;
use std::sync::Arc;

fn principal(role: Role) -> Principal {
    Principal {
        company_id: CompanyId(uuid::Uuid::from_u128(7)),
        user_id: Some(UserId(uuid::Uuid::from_u128(8))),
        auth_user_id: None,
        role,
        method: AuthMethod::Session,
    }
}

fn uc(repo: MockIntegrationRepository) -> Integrations {
    Integrations::new(Arc::new(repo), Arc::new(MockIntegrationDirectory::new()))
}

fn record(provider: Provider) -> IntegrationRecord {
    let at = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
    IntegrationRecord {
        id: IntegrationId(uuid::Uuid::from_u128(9)),
        company_id: CompanyId(uuid::Uuid::from_u128(7)),
        provider,
        account_id: "relay".into(),
        config: json!({"outbound_url": "https://n8n.test/hook"}),
        secret_names: vec!["webhook_secret".into()],
        status: IntegrationStatus::Active,
        verified_at: None,
        created_at: at,
        updated_at: at,
    }
}

fn whatsapp() -> CreateIntegration {
    CreateIntegration {
        provider: Provider::Whatsapp,
        account_id: "123456789012345".into(),
        config: json!({"graph_version": "v21.0"}),
        secrets: IntegrationSecrets {
            app_secret: Some("meta-app-secret".into()),
            verify_token: Some("verify-token-1".into()),
            ..Default::default()
        },
    }
}

#[tokio::test]
async fn create_passes_the_secrets_to_the_store_under_a_fresh_id() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_create()
        .withf(|tenant, new| {
            tenant.company_id.0 == uuid::Uuid::from_u128(7)
                && new.provider == Provider::Whatsapp
                && new.secrets.app_secret.as_deref() == Some("meta-app-secret")
                && new.status == IntegrationStatus::Active
                && new.id.0.get_version_num() == 7
        })
        .times(1)
        .returning(|_, _| Ok(record(Provider::Whatsapp)));
    let created = uc(repo)
        .create(principal(Role::Admin), whatsapp())
        .await
        .unwrap();
    assert_eq!(created.provider, Provider::Whatsapp);
}

#[tokio::test]
async fn staff_may_not_create_and_nothing_is_stored() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_create().never();
    let err = uc(repo)
        .create(principal(Role::Staff), whatsapp())
        .await
        .unwrap_err();
    assert!(matches!(err, CreateIntegrationError::Forbidden));
}

#[tokio::test]
async fn invalid_input_reports_every_field_and_stores_nothing() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_create().never();
    let cmd = CreateIntegration {
        provider: Provider::N8n,
        account_id: String::new(),
        config: json!({"webhook_token": "x"}),
        secrets: IntegrationSecrets {
            webhook_secret: Some("short".into()),
            ..Default::default()
        },
    };
    let err = uc(repo)
        .create(principal(Role::Admin), cmd)
        .await
        .unwrap_err();
    let CreateIntegrationError::Invalid(issues) = err else {
        panic!("{err:?}")
    };
    let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "account_id",
            "config",
            "config.outbound_url",
            "secrets.webhook_secret"
        ]
    );
}

#[tokio::test]
async fn a_taken_account_is_a_conflict() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_create()
        .returning(|_, _| Err(StoreIntegrationError::AccountTaken));
    let err = uc(repo)
        .create(principal(Role::Admin), whatsapp())
        .await
        .unwrap_err();
    assert!(matches!(err, CreateIntegrationError::AccountTaken));
}

#[tokio::test]
async fn get_of_an_unknown_id_is_not_found() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_get().returning(|_, _| Ok(None));
    let err = uc(repo)
        .get(principal(Role::Admin), IntegrationId::new())
        .await
        .unwrap_err();
    assert!(matches!(err, GetIntegrationError::NotFound));
}

#[tokio::test]
async fn a_new_config_is_checked_against_the_stored_provider() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_get()
        .returning(|_, _| Ok(Some(record(Provider::N8n))));
    repo.expect_update().never();
    let patch = IntegrationPatch {
        config: Some(json!({"label": "no url"})),
        ..Default::default()
    };
    let err = uc(repo)
        .update(principal(Role::Admin), IntegrationId::new(), patch)
        .await
        .unwrap_err();
    let UpdateIntegrationError::Invalid(issues) = err else {
        panic!("{err:?}")
    };
    assert_eq!(issues[0].field, "config.outbound_url");
}

#[tokio::test]
async fn a_secret_rotation_reaches_the_store_without_reading_first() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_get().never();
    repo.expect_update()
        .withf(|_, _, patch| {
            patch.secrets.webhook_secret == SecretChange::Set("rotated-secret".into())
                && patch.secrets.api_key == SecretChange::Remove
                && patch.config.is_none()
        })
        .times(1)
        .returning(|_, _, _| Ok(Some(record(Provider::N8n))));
    let patch = IntegrationPatch {
        secrets: SecretsPatch {
            webhook_secret: SecretChange::Set("rotated-secret".into()),
            api_key: SecretChange::Remove,
            ..Default::default()
        },
        ..Default::default()
    };
    uc(repo)
        .update(principal(Role::Admin), IntegrationId::new(), patch)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_too_short_rotated_secret_is_refused() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_update().never();
    let patch = IntegrationPatch {
        secrets: SecretsPatch {
            app_secret: SecretChange::Set("tiny".into()),
            ..Default::default()
        },
        status: Some(IntegrationStatus::Inactive),
        ..Default::default()
    };
    let err = uc(repo)
        .update(principal(Role::Admin), IntegrationId::new(), patch)
        .await
        .unwrap_err();
    assert!(
        matches!(err, UpdateIntegrationError::Invalid(ref i) if i[0].field == "secrets.app_secret")
    );
}

#[tokio::test]
async fn updating_an_unknown_id_is_not_found() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_update().returning(|_, _, _| Ok(None));
    let patch = IntegrationPatch {
        status: Some(IntegrationStatus::Inactive),
        ..Default::default()
    };
    let err = uc(repo)
        .update(principal(Role::Admin), IntegrationId::new(), patch)
        .await
        .unwrap_err();
    assert!(matches!(err, UpdateIntegrationError::NotFound));
}

#[tokio::test]
async fn staff_may_not_list() {
    let mut repo = MockIntegrationRepository::new();
    repo.expect_list().never();
    let err = uc(repo)
        .list(
            principal(Role::Staff),
            domain::page::PageRequest::new(None, None),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ListIntegrationsError::Forbidden));
}
