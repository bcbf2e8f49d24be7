//! `atende seed --demo`'s WhatsApp relay integration and `atende dev send-webhook`: the printed
//! webhook secret is stable across runs and sealed at rest, and a message signed with it (by hand
//! or by the helper) reaches the demo clinic through a running `atende serve`.

use base64::Engine as _;
use diesel_async::RunQueryDsl;
use infra_postgres::testing::TestDb;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// Maria Silva, the demo patient whose WhatsApp id is 5511987654321.
const MARIA: &str = "01930000-0000-7000-8000-000000000021";

fn key(byte: u8) -> String {
    base64::engine::general_purpose::STANDARD.encode([byte; 32])
}

fn atende(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_atende"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run atende")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The secret on the seed's `webhook secret whsec_…` line.
fn printed_secret(out: &Output) -> String {
    let all = text(out);
    let secret = all
        .lines()
        .find_map(|l| l.split("webhook secret ").nth(1))
        .unwrap_or_else(|| panic!("no webhook secret printed: {all}"));
    secret.trim().to_owned()
}

#[derive(diesel::QueryableByName)]
struct One {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

async fn query(t: &TestDb, sql: &str) -> String {
    let mut conn = t.owner_conn().await;
    diesel::sql_query(sql)
        .get_result::<One>(&mut conn)
        .await
        .unwrap()
        .v
}

#[tokio::test]
async fn seed_demo_makes_one_relay_integration_and_prints_the_same_secret_each_run() {
    let t = TestDb::new().await;
    let (a, b) = (key(0x11), key(0x22));
    let with_a = [("DATABASE_URL", t.url.as_str()), ("ATENDE_MASTER_KEY", &a)];
    let first = atende(&["seed", "--demo"], &with_a);
    assert!(first.status.success(), "{}", text(&first));
    let secret = printed_secret(&first);
    assert!(
        secret.starts_with("whsec_") && secret.len() > 20,
        "{secret}"
    );
    assert!(text(&first).contains("account_id demo-whatsapp"));
    let second = atende(&["seed", "--demo"], &with_a);
    assert!(second.status.success(), "{}", text(&second));
    assert_eq!(printed_secret(&second), secret);

    let row = query(
        &t,
        &format!(
            "SELECT format('%s/%s/%s/%s', count(*), min(status), min(array_to_string(secret_names, ',')),
                    bool_or(position(convert_to('{secret}', 'UTF8') in secrets) > 0)) AS v
               FROM integrations
              WHERE company_id = '01930000-0000-7000-8000-000000000001'
                AND provider = 'whatsapp' AND account_id = 'demo-whatsapp'"
        ),
    )
    .await;
    assert_eq!(row, "1/active/webhook_secret/f", "sealed, not in clear");

    // Under another master key the secret does not open: the seed says so, succeeds, and changes
    // nothing, so the secret still opens with the first key.
    let with_b = [("DATABASE_URL", t.url.as_str()), ("ATENDE_MASTER_KEY", &b)];
    let other = atende(&["seed", "--demo"], &with_b);
    assert!(other.status.success(), "{}", text(&other));
    assert!(text(&other).contains("cannot be shown"), "{}", text(&other));
    assert!(!text(&other).contains(&secret));
    let again = atende(&["seed", "--demo"], &with_a);
    assert_eq!(printed_secret(&again), secret);
}

struct Served {
    child: Child,
    bind: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

async fn serve(t: &TestDb, master_key: &str) -> Served {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_atende"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", &t.url)
        .env("ATENDE_BIND", &bind)
        .env("ATENDE_MASTER_KEY", master_key)
        .env("ATENDE_WORKER", "off")
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let served = Served { child, bind };
    for _ in 0..200 {
        if let Ok(resp) = reqwest::get(format!("http://{}/readyz", served.bind)).await
            && resp.status() == 200
        {
            return served;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("atende serve did not become ready");
}

fn relay_body(message_id: &str, text: &str) -> String {
    serde_json::json!({
        "account_id": "demo-whatsapp", "message_id": message_id,
        "from": {"id": "5511987654321", "name": "Maria Silva"},
        "type": "text", "text": text, "timestamp": chrono::Utc::now().timestamp(),
    })
    .to_string()
}

async fn post_signed(bind: &str, secret: &str, body: String) -> (u16, serde_json::Value) {
    let now = chrono::Utc::now().timestamp();
    let signature = infra_crypto::webhook::sign(secret.as_bytes(), now, body.as_bytes());
    let resp = reqwest::Client::new()
        .post(format!("http://{bind}/webhooks/whatsapp"))
        .header("Content-Type", "application/json")
        .header("X-Atende-Signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_message_signed_with_the_printed_secret_reaches_the_demo_clinic() {
    let t = TestDb::empty().await;
    let master = key(0x33);
    let env = [
        ("DATABASE_URL", t.url.as_str()),
        ("ATENDE_MASTER_KEY", &master),
    ];
    assert!(atende(&["migrate"], &env).status.success());
    let seeded = atende(&["seed", "--demo"], &env);
    assert!(seeded.status.success(), "{}", text(&seeded));
    let secret = printed_secret(&seeded);
    let served = serve(&t, &master).await;

    // The printed secret signs a delivery by hand: stored for Maria, in the demo clinic.
    let (status, answer) = post_signed(
        &served.bind,
        &secret,
        relay_body("wamid.demo-test-1", "Olá pelo teste"),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["results"][0]["client_id"], MARIA, "{answer}");
    assert_eq!(answer["results"][0]["duplicate"], false, "{answer}");
    // Another secret is refused.
    let (status, _) = post_signed(
        &served.bind,
        "whsec_not-the-demo-secret",
        relay_body("wamid.demo-test-2", "forjada"),
    )
    .await;
    assert_eq!(status, 401);

    // The bundled helper reads the secret from the database and sends one message.
    let url = format!("http://{}", served.bind);
    let sent = atende(
        &[
            "dev",
            "send-webhook",
            "--text",
            "Olá pelo helper",
            "--url",
            &url,
        ],
        &env,
    );
    assert!(sent.status.success(), "{}", text(&sent));
    assert!(text(&sent).contains("200 OK"), "{}", text(&sent));

    let stored = query(
        &t,
        "SELECT coalesce(string_agg(format('%s:%s:%s', client_id, direction, text), ',' ORDER BY text), '') AS v
           FROM interactions WHERE company_id = '01930000-0000-7000-8000-000000000001'",
    )
    .await;
    assert_eq!(
        stored,
        format!("{MARIA}:inbound:Olá pelo helper,{MARIA}:inbound:Olá pelo teste")
    );
}

#[tokio::test]
async fn dev_send_webhook_without_a_demo_relay_says_to_seed_first() {
    let t = TestDb::new().await;
    let master = key(0x44);
    let out = atende(
        &["dev", "send-webhook", "--url", "http://127.0.0.1:9"],
        &[
            ("DATABASE_URL", t.url.as_str()),
            ("ATENDE_MASTER_KEY", &master),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("seed --demo"), "{}", text(&out));
}

#[tokio::test]
async fn a_forced_demo_seed_in_production_makes_no_relay_integration() {
    let t = TestDb::new().await;
    let master = key(0x66);
    let out = atende(
        &["seed", "--demo", "--force"],
        &[
            ("DATABASE_URL", t.url.as_str()),
            ("ATENDE_ENV", "production"),
            ("ATENDE_MASTER_KEY", &master),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("webhook secret"), "{}", text(&out));
    let row = query(
        &t,
        "SELECT format('%s/%s', (SELECT count(*) FROM companies), (SELECT count(*) FROM integrations)) AS v",
    )
    .await;
    assert_eq!(row, "1/0");
}

#[test]
fn dev_send_webhook_is_refused_in_production() {
    let master = key(0x55);
    let out = atende(
        &["dev", "send-webhook"],
        &[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none"),
            ("ATENDE_ENV", "production"),
            ("ATENDE_MASTER_KEY", &master),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("refusing"), "{}", text(&out));
}
