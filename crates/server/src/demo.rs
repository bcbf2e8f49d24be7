//! Development only: the demo clinic's WhatsApp relay integration (made by `atende seed --demo`)
//! and `atende dev send-webhook`, which posts one signed relay message to it, so a newcomer can
//! see a webhook arrive without configuring anything.

use crate::config::{Config, Environment};
use crate::wiring;
use anyhow::{Context, bail};
use app::integrations::Integrations;
use domain::auth::Tenant;
use domain::integration_admin::NewIntegration;
use domain::integrations::{IntegrationSecrets, IntegrationStatus, Provider};
use domain::ports::integration_store::StoreIntegrationError;
use domain::{CompanyId, IntegrationId};
use infra_crypto::secret_cipher::BoxCipher;
use infra_postgres::seed::DEMO_COMPANY_ID;
use std::sync::Arc;
use std::time::Duration;

/// The demo relay integration's account id (what n8n sends as `account_id`).
pub const DEMO_WHATSAPP_ACCOUNT: &str = "demo-whatsapp";
/// The demo relay integration's id (fixed, like the rest of the demo clinic).
const DEMO_RELAY_ID: uuid::Uuid = uuid::Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0041);

/// The demo relay integration as the seed found or made it.
#[derive(Debug)]
pub enum DemoRelay {
    /// Made on this run, with this webhook secret.
    Created(String),
    /// Already there, with this webhook secret.
    Present(String),
    /// Already there, but its secret cannot be read (sealed under another master key, or
    /// removed through the API): the message says which.
    Unreadable(String),
}

/// The demo clinic's relay integration over `integrations`: created with a new random webhook
/// secret when missing (idempotent); an existing one is never changed.
///
/// # Errors
/// When the database fails.
pub async fn ensure_relay(integrations: &Integrations) -> anyhow::Result<DemoRelay> {
    match lookup(integrations).await? {
        Some(found) => Ok(found),
        None => create_relay(integrations).await,
    }
}

/// The demo relay, `None` when there is none.
async fn lookup(integrations: &Integrations) -> anyhow::Result<Option<DemoRelay>> {
    // Account ids are unique per clinic: only the demo clinic's own integration counts.
    match integrations
        .directory
        .routes(Provider::Whatsapp, vec![DEMO_WHATSAPP_ACCOUNT.to_owned()])
        .await
    {
        Ok(candidates) => Ok(candidates
            .into_iter()
            .find(|c| c.integration.company_id == CompanyId(DEMO_COMPANY_ID))
            .map(|c| match c.integration.secrets.webhook_secret {
                Some(secret) => DemoRelay::Present(secret),
                None => DemoRelay::Unreadable("it has no webhook_secret".to_owned()),
            })),
        Err(e) => Ok(Some(DemoRelay::Unreadable(format!(
            "its secrets do not open with this master key ({e:#})"
        )))),
    }
}

async fn create_relay(integrations: &Integrations) -> anyhow::Result<DemoRelay> {
    let secret = infra_crypto::token::generate("whsec_").context("making a webhook secret")?;
    let new = NewIntegration {
        id: IntegrationId(DEMO_RELAY_ID),
        provider: Provider::Whatsapp,
        account_id: DEMO_WHATSAPP_ACCOUNT.to_owned(),
        config: serde_json::json!({}),
        secrets: IntegrationSecrets {
            webhook_secret: Some(secret.clone()),
            ..IntegrationSecrets::default()
        },
        status: IntegrationStatus::Active,
    };
    let tenant = Tenant {
        company_id: CompanyId(DEMO_COMPANY_ID),
        user_id: None,
    };
    match integrations.repo.create(tenant, new).await {
        Ok(_) => Ok(DemoRelay::Created(secret)),
        // Another seed made it between the lookup and the insert: report that one.
        Err(StoreIntegrationError::AccountTaken) => lookup(integrations)
            .await?
            .context("the demo relay's account id is taken but not found"),
        Err(StoreIntegrationError::Other(e)) => Err(e.context("creating the demo relay")),
    }
}

/// The integrations of the database in `config`, sealed with the master key `serve` uses.
fn keyed_integrations(config: &Config) -> anyhow::Result<Integrations> {
    let (keys, source) = crate::master_key::for_process(config)?;
    if source == crate::master_key::KeySource::Ephemeral {
        eprintln!(
            "warning: ATENDE_MASTER_KEY is not set and there is no HOME: the demo relay's secret \
             is sealed with a throwaway key that no later process can open"
        );
    }
    let db = wiring::database(config)?;
    Ok(wiring::integrations(&db, Arc::new(BoxCipher::new(keys))))
}

/// Makes the demo relay and prints its lines for `seed --demo`; a forced seed in production makes
/// none (a printed secret and a well-known account id have no place there).
///
/// # Errors
/// When the database fails.
pub async fn seed_relay(config: &Config) -> anyhow::Result<()> {
    if config.env == Environment::Production {
        println!("  whatsapp relay: not created with ATENDE_ENV=production");
        return Ok(());
    }
    let relay = ensure_relay(&keyed_integrations(config)?).await?;
    let account = DEMO_WHATSAPP_ACCOUNT;
    match relay {
        DemoRelay::Created(secret) | DemoRelay::Present(secret) => {
            println!("  whatsapp relay: account_id {account}, webhook secret {secret}");
            println!(
                "  try it: just demo-message \"Olá\" (or: atende dev send-webhook --text \"Olá\")"
            );
        }
        DemoRelay::Unreadable(why) => {
            println!("  whatsapp relay: account_id {account}; its secret cannot be shown: {why}");
        }
    }
    Ok(())
}

/// What `atende dev send-webhook` sends.
#[derive(Debug, Clone)]
pub struct SendWebhook {
    /// The message text.
    pub text: String,
    /// The sender's WhatsApp id (digits).
    pub from: String,
    /// The sender's profile name.
    pub name: String,
    /// Atende's base URL (default `http://<ATENDE_BIND>`).
    pub url: Option<String>,
}

/// `atende dev send-webhook`: posts one relay message, signed with the demo relay's secret, to
/// `POST <url>/webhooks/whatsapp` and prints the answer. Development only.
///
/// # Errors
/// In production, without a readable demo relay, or when Atende does not answer 200.
pub async fn send_webhook(config: &Config, cmd: SendWebhook) -> anyhow::Result<()> {
    if config.env == Environment::Production {
        bail!("refusing to send a demo webhook with ATENDE_ENV=production");
    }
    let secret = match lookup(&keyed_integrations(config)?).await? {
        Some(DemoRelay::Created(secret) | DemoRelay::Present(secret)) => secret,
        Some(DemoRelay::Unreadable(why)) => bail!("the demo relay's secret cannot be read: {why}"),
        None => bail!("there is no demo relay integration: run `atende seed --demo` first"),
    };
    let now = chrono::Utc::now().timestamp();
    let body = serde_json::to_vec(&serde_json::json!({
        "account_id": DEMO_WHATSAPP_ACCOUNT,
        "message_id": format!("wamid.demo-{}", uuid::Uuid::now_v7()),
        "from": {"id": cmd.from, "phone": format!("+{}", cmd.from), "name": cmd.name},
        "type": "text",
        "text": cmd.text,
        "timestamp": now,
    }))?;
    let signature = infra_crypto::webhook::sign(secret.as_bytes(), now, &body);
    let base = cmd.url.unwrap_or_else(|| default_url(config));
    let url = format!("{}/webhooks/whatsapp", base.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .context("building the HTTP client")?;
    let answer = client
        .post(&url)
        .header("Content-Type", "application/json")
        .header("X-Atende-Signature", signature)
        .body(body)
        .send()
        .await
        .with_context(|| format!("posting to {url} (is `just run` serving?)"))?;
    let status = answer.status();
    let text = answer.text().await.unwrap_or_default();
    println!("POST {url} -> {status}");
    println!("{text}");
    if !status.is_success() {
        bail!("Atende answered {status}");
    }
    Ok(())
}

fn default_url(config: &Config) -> String {
    let mut addr = config.bind;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}")
}
