//! The live inbox in a real browser: headless Chromium on a page served from another origin
//! (listed in `ATENDE_ALLOWED_ORIGINS`) signs in with `fetch(…, {credentials: 'include'})`,
//! opens `new EventSource('/api/events', {withCredentials: true})`, and sees a message posted to
//! a signed webhook appear, the unread count move, and a reply it sends move to `delivered` when
//! n8n calls back — with the production cookie (`__Host-atende_session`, `Secure`, `HttpOnly`,
//! `SameSite=Lax`), CORS and CSRF rules.
//!
//! Secure cookies need https, or a host the browser treats as secure: the page and the API are
//! both served over http on `localhost` (two ports: two origins, one site), which Chromium treats
//! as a secure context, so it keeps the `Secure` cookie exactly as it would over https. Same site
//! is also what production has (`app.clinica.example` → `api.clinica.example`), so `SameSite=Lax`
//! lets the cookie travel with the page's credentialed requests.

use crate::browser_support::{Browser, missing, serve_page};
use crate::outbox_support::{FakeN8n, OUTBOUND_SECRET, WEBHOOK_SECRET as N8N_CALLBACK_SECRET};
use crate::support::{self, TestApp, test_secret_box};
use serde_json::json;

const SECRET: &str = "whsec_browser_0123456789abcdef";
const ACCOUNT: &str = "5511900002222";
const N8N_ACCOUNT: &str = "n8n-browser";

/// A worker that dispatches outbound messages to the clinic's n8n.
fn outbound_worker(app: &TestApp) -> server::worker::Worker {
    let w = server::wiring::worker(&app.db.db, &server::traffic::JobSettings::default());
    let settings = server::outbox::OutboxSettings {
        fallback: None,
        public_url: app.base.clone(),
        backoff: vec![0, 0, 0],
        max_attempts: 6,
        ..Default::default()
    };
    server::wiring::with_outbound_dispatch(w, &app.db.db, test_secret_box(), &settings).unwrap()
}

/// The frontend under test: sign in, subscribe, record what arrives, reply on demand.
const PAGE: &str = r#"<!doctype html>
<html><body><script>
const params = new URLSearchParams(location.search);
const api = params.get('api');
window.state = {log: [], errors: 0};
window.reply = async (conversation, text) => {
  const r = await fetch(api + '/api/chat/send', {
    method: 'POST', credentials: 'include',
    headers: {'Content-Type': 'application/json', 'Idempotency-Key': 'browser-reply-1'},
    body: JSON.stringify({conversation_id: conversation, message: text}),
  });
  state.reply = {status: r.status, body: await r.json()};
};
(async () => {
  const r = await fetch(api + '/auth/signin', {
    method: 'POST', credentials: 'include',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({email: params.get('email'), password: params.get('password')}),
  });
  state.signin = r.status;
  state.cookieVisible = document.cookie.includes('atende_session');
  const events = new EventSource(api + '/api/events', {withCredentials: true});
  events.addEventListener('ready', e => { state.ready = JSON.parse(e.data).last_event_id; });
  for (const type of ['message.created', 'message.status', 'conversation.updated']) {
    events.addEventListener(type, e => state.log.push({type, id: e.lastEventId, data: JSON.parse(e.data)}));
  }
  events.onerror = () => { state.errors += 1; };
})();
</script></body></html>"#;

/// Signs `member` in and returns the `Cookie` header value of the production session cookie.
async fn secure_session_cookie(app: &TestApp, member: &support::Member) -> String {
    let resp = app
        .client
        .post(app.url("/auth/signin"))
        .header("origin", &app.base)
        .json(&json!({"email": member.email, "password": member.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let set = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(set.starts_with("__Host-atende_session="), "{set}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(set.contains(attribute), "{set} lacks {attribute}");
    }
    set.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_browser_on_another_origin_sees_a_message_arrive_its_unread_count_and_its_reply_delivered()
 {
    if let Some(why) = missing() {
        eprintln!("{why}");
        return;
    }
    let page = serve_page("localhost", PAGE.to_owned());
    let auth = server::config::AuthSettings {
        cookie_secure: true,
        allowed_origins: vec![page.clone()],
        ..server::config::AuthSettings::default()
    };
    let app = TestApp::spawn_with(auth).await;
    let api = app.base.replace("127.0.0.1", "localhost");
    let clinic = app.clinic("Clínica Navegador").await;
    // The admin sets the relay up with a plain HTTP client (it sends the `Secure` cookie by hand:
    // reqwest's jar keeps it for https only).
    let cookie = secure_session_cookie(&app, &clinic.admin).await;
    let resp = app
        .client
        .post(app.url("/api/integrations"))
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .json(
            &json!({"provider": "whatsapp", "account_id": ACCOUNT, "config": {},
                      "secrets": {"webhook_secret": SECRET}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    let n8n = FakeN8n::start(&[]).await;
    let resp = app
        .client
        .post(app.url("/api/integrations"))
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .json(&json!({"provider": "n8n", "account_id": N8N_ACCOUNT,
                      "config": {"outbound_url": n8n.url},
                      "secrets": {"outbound_secret": OUTBOUND_SECRET,
                                  "webhook_secret": N8N_CALLBACK_SECRET}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());

    let browser = Browser::start().await;
    let url = reqwest::Url::parse_with_params(
        &format!("{page}/"),
        [
            ("api", api.as_str()),
            ("email", clinic.staff.email.as_str()),
            ("password", clinic.staff.password.as_str()),
        ],
    )
    .unwrap();
    browser.goto(url.as_str()).await;
    browser
        .wait_for("return window.state.ready !== undefined", 20)
        .await;
    assert_eq!(browser.eval("return window.state.signin").await, 200);
    // The session cookie is HttpOnly: the page cannot read it, yet it authenticates the stream.
    assert_eq!(
        browser.eval("return window.state.cookieVisible").await,
        false
    );

    // A patient writes; the signed webhook is accepted and the page sees the message and the
    // unread count without polling.
    let body = serde_json::to_vec(&json!({
        "account_id": ACCOUNT, "message_id": "wamid.BROWSER1",
        "from": {"id": "5511987650009", "name": "Paciente do Navegador"},
        "type": "text", "text": "Vocês abrem sábado?", "timestamp": chrono::Utc::now().timestamp()
    }))
    .unwrap();
    let t = chrono::Utc::now().timestamp();
    let resp = app
        .client
        .post(app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header(
            "X-Atende-Signature",
            infra_crypto::webhook::sign(SECRET.as_bytes(), t, &body),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let text = browser
        .wait_for(
            "const m = window.state.log.find(e => e.type === 'message.created'); \
             return m && m.data.message.text",
            15,
        )
        .await;
    assert_eq!(text, "Vocês abrem sábado?");
    let unread = browser
        .wait_for(
            "const u = window.state.log.find(e => e.type === 'conversation.updated'); \
             return u && u.data.conversation.unread_count",
            15,
        )
        .await;
    assert_eq!(unread, 1);
    // The member replies from the page (a credentialed cross-origin POST: CORS and CSRF accept
    // the allowed origin) and the reply appears on the stream, queued.
    browser
        .eval(
            "const m = window.state.log.find(e => e.type === 'message.created'); \
             window.reply(m.data.message.conversation_id, 'Sim, das 8h às 12h.'); return true",
        )
        .await;
    let queued = browser
        .wait_for(
            "const m = window.state.log.find(e => e.type === 'message.created' && \
             e.data.message.direction === 'outbound'); return m && m.data.message.status",
            15,
        )
        .await;
    assert_eq!(queued, "queued");
    assert_eq!(browser.eval("return window.state.reply.status").await, 202);
    // The worker hands the reply to n8n (`sent`), and n8n calls back `delivered`: both arrive on
    // the page as `message.status`, in order.
    let reply_id = browser
        .eval("return window.state.reply.body.interaction.id")
        .await;
    let reply_id = reply_id.as_str().unwrap().to_owned();
    let worker = outbound_worker(&app);
    while worker.run_once().await.unwrap() > 0 {}
    assert_eq!(n8n.seen().len(), 1, "n8n is called once");
    let t = chrono::Utc::now().timestamp();
    let raw = json!({"account_id": N8N_ACCOUNT, "interaction_id": reply_id,
                     "status": "delivered", "timestamp": t})
    .to_string()
    .into_bytes();
    let resp = app
        .client
        .post(app.url("/webhooks/n8n/status"))
        .header("content-type", "application/json")
        .header(
            "X-Atende-Signature",
            infra_crypto::webhook::sign(N8N_CALLBACK_SECRET.as_bytes(), t, &raw),
        )
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let statuses = browser
        .wait_for(
            &format!(
                "const s = window.state.log.filter(e => e.type === 'message.status' && \
                 e.data.message_id === '{reply_id}').map(e => e.data.status); \
                 return s.includes('delivered') ? s : null"
            ),
            15,
        )
        .await;
    assert_eq!(statuses, json!(["sent", "delivered"]));
    assert_eq!(browser.eval("return window.state.errors").await, 0);
    browser.quit().await;
}
