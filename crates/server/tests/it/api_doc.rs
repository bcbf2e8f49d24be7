//! `docs/api.md`, produced from a scripted tour of the real app so it cannot drift.
//!
//! The tour calls every operation of the OpenAPI document at least once with a realistic
//! request (and a few refusals), against PostgreSQL, a local fake n8n and a local
//! OpenAI-compatible fake. The recorded exchanges are normalised (ids, clocks, tokens,
//! signatures, ports) and rendered as markdown, which must equal the committed `docs/api.md`.
//! `ATENDE_BLESS=1` (`just docs`) writes the file instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::api_doc_support;
use crate::model_support;
use crate::outbox_support;
use crate::support;

use api_doc_support::normalise::Normaliser;
use api_doc_support::operations::{check_coverage, operations};
use api_doc_support::recorder::{Recorder, Req, Who};
use api_doc_support::render::render;
use api_doc_support::{bless, refusals};
use outbox_support::{FakeN8n, OUTBOUND_SECRET, WEBHOOK_SECRET as N8N_CALLBACK_SECRET};
use serde_json::{Value, json};
use support::{Clinic, TestApp};

/// The WhatsApp number's relay secret (n8n signs inbound deliveries with it).
pub(crate) const RELAY_SECRET: &str = "whsec_docs_relay_0123456789abcdef";
/// The relay secret after rotation.
const ROTATED_RELAY_SECRET: &str = "whsec_docs_relay_rotated_2";
/// Meta's app secret (`X-Hub-Signature-256`).
const APP_SECRET: &str = "meta-app-secret-docs-0123456789";
/// Meta's handshake token for the WhatsApp number.
const VERIFY_TOKEN: &str = "verify-token-docs-whatsapp";
/// Meta's handshake token for the Instagram account.
const IG_VERIFY_TOKEN: &str = "verify-token-docs-instagram";
/// The clinic's OpenAI key.
const OPENAI_KEY: &str = "sk-docs-clinic-key-0123456789";
/// The `/metrics` scrape token.
const METRICS_TOKEN: &str = "metrics-docs-token-0123456789";
pub(crate) const WHATSAPP_ACCOUNT: &str = "109876543210987";
const INSTAGRAM_ACCOUNT: &str = "17841400000000001";
const N8N_ACCOUNT: &str = "relay";
/// Appointments are booked on this (fixed, future) day, so their times are shown as they are.
const SCENARIO_DAY: &str = "2030-03-04";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// A relay body signed as n8n signs it: `X-Atende-Signature` over the exact bytes.
pub(crate) fn signed(secret: &str, body: &Value) -> (Vec<u8>, String) {
    let raw = serde_json::to_vec(body).unwrap();
    let sig = infra_crypto::webhook::sign(secret.as_bytes(), now(), &raw);
    (raw, sig)
}

#[tokio::test]
async fn docs_api_md_shows_every_operation_with_a_real_exchange_and_is_up_to_date() {
    let app = TestApp::spawn_with_metrics(api_http::metrics::MetricsAccess::Bearer(
        secrecy::SecretString::from(METRICS_TOKEN),
    ))
    .await;
    let n8n = FakeN8n::start(&[400]).await; // the first reply fails at once, for the retry
    let (_model, model_url) = model_support::fake_model();
    let clinic = app.clinic("Clínica Sorriso").await;
    let other = app.clinic("Clínica Vizinha").await;
    let mut rec = Recorder::new(&app.base);
    let anon = Who::Anonymous;

    // Health and this document. The served document is `ApiDoc::openapi()` serialised (see
    // api_http::openapi); reading it over HTTP spares this crate a utoipa dependency.
    rec.send(Req::get("/healthz", anon), 200).await;
    rec.send(Req::get("/readyz", anon), 200).await;
    let doc = rec.send(Req::get("/api/openapi.json", anon), 200).await;
    // `/docs` redirects (308) to `/docs/`; the client follows it.
    rec.send(Req::get("/docs", anon), 200).await;
    rec.send(Req::get("/docs/swagger-initializer.js", anon), 200)
        .await;

    // Sessions, users and invitations.
    let admin_browser = app.browser();
    let admin = Who::Browser(&admin_browser);
    let signin = json!({"email": clinic.admin.email, "password": clinic.admin.password});
    rec.send(Req::post("/auth/signin", admin).json(&signin), 200)
        .await;
    rec.send(Req::get("/auth/me", admin), 200).await;
    let staff_browser = app.sign_in_as(&clinic.staff).await;
    let staff = Who::Browser(&staff_browser);
    let leaving = app.sign_in_as(&clinic.staff).await;
    rec.send(Req::post("/auth/signout", Who::Browser(&leaving)), 204)
        .await;
    let invited = rec
        .send(
            Req::post("/api/users", admin).json(&json!({
                "email": "helena.costa@clinic.test", "name": "Dra. Helena Costa", "role": "staff"
            })),
            201,
        )
        .await;
    let helena = id(&invited["user"]);
    let newcomer = app.browser();
    let accept = json!({"token": invited["invite_token"], "password": "helena-long-password-2030"});
    rec.send(
        Req::post("/auth/accept-invite", Who::Browser(&newcomer)).json(&accept),
        200,
    )
    .await;
    rec.send(Req::get("/api/users", admin), 200).await;
    rec.send(Req::get(&format!("/api/users/{helena}"), admin), 200)
        .await;
    let rename = json!({"name": "Dra. Helena Costa Lima", "role": "admin"});
    rec.send(
        Req::patch(&format!("/api/users/{helena}"), admin).json(&rename),
        200,
    )
    .await;

    // Invitations: one revoked (its token dies), then issued again.
    let paulo = rec
        .send(
            Req::post("/api/users", admin).json(&json!({
                "email": "paulo.reis@clinic.test", "name": "Paulo Reis", "role": "staff"
            })),
            201,
        )
        .await;
    let paulo = id(&paulo["user"]);
    rec.send(
        Req::patch(&format!("/api/users/{paulo}"), admin).json(&json!({"status": "disabled"})),
        200,
    )
    .await;
    rec.send(Req::post(&format!("/api/users/{paulo}/invite"), admin), 200)
        .await;
    // Passwords: a reset token handed over by hand (no e-mail), then a change by the member.
    let reset = rec
        .send(
            Req::post(&format!("/api/users/{helena}/password-reset"), admin),
            201,
        )
        .await;
    let redeem =
        json!({"token": reset["reset_token"], "new_password": "helena-reset-password-2031"});
    rec.send(Req::post("/auth/reset-password", anon).json(&redeem), 204)
        .await;
    let helena_browser = app
        .sign_in("helena.costa@clinic.test", "helena-reset-password-2031")
        .await;
    let helena_session = Who::Browser(&helena_browser);
    let change = json!({"current_password": "helena-reset-password-2031",
                        "new_password": "helena-chosen-password-2032"});
    rec.send(
        Req::post("/auth/password", helena_session).json(&change),
        204,
    )
    .await;
    // One person, two clinics: the neighbouring clinic invites Helena, who accepts signed in
    // (no second password), then switches back.
    let neighbour_admin = app.sign_in_as(&other.admin).await;
    let second_job: Value = neighbour_admin
        .post(
            "/api/users",
            json!({"email": "helena.costa@clinic.test", "name": "Dra. Helena Costa", "role": "staff"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let join = json!({"token": second_job["invite_token"]});
    rec.send(
        Req::post("/auth/accept-invite", helena_session).json(&join),
        200,
    )
    .await;
    let back = json!({"company_id": clinic.company_id});
    rec.send(
        Req::post("/auth/switch-clinic", helena_session).json(&back),
        200,
    )
    .await;
    rec.send(Req::post("/auth/signout-all", helena_session), 204)
        .await;

    // API tokens: one for the n8n agent, one revoked.
    let created = rec
        .send(
            Req::post("/api/api-tokens", admin).json(
                &json!({"name": "Agente n8n", "scopes": ["read", "write", "messages:write"]}),
            ),
            201,
        )
        .await;
    let agent_token = created["token"].as_str().unwrap().to_owned();
    let agent = Who::Token(&agent_token);
    let old = rec
        .send(
            Req::post("/api/api-tokens", admin).json(&json!({"name": "Zapier", "role": "staff"})),
            201,
        )
        .await;
    rec.send(
        Req::delete(&format!("/api/api-tokens/{}", id(&old)), admin),
        204,
    )
    .await;
    rec.send(Req::get("/api/api-tokens", admin), 200).await;

    // The CRM: a patient, a service, an appointment.
    let maria = rec
        .send(
            Req::post("/api/clients", staff).json(&json!({
                "name": "Maria Souza", "phone": "+55 11 98765-4321",
                "email": "maria.souza@example.com", "tags": ["ortodontia"],
                "notes": "Prefere atendimento pela manhã."
            })),
            201,
        )
        .await;
    let maria = id(&maria);
    rec.send(Req::get("/api/clients?q=98765", staff), 200).await;
    rec.send(Req::get(&format!("/api/clients/{maria}"), staff), 200)
        .await;
    let promote = json!({"instagram_username": "@maria.souza", "tags": ["ortodontia", "retorno"]});
    rec.send(
        Req::patch(&format!("/api/clients/{maria}"), staff).json(&promote),
        200,
    )
    .await;
    let service = rec
        .send(
            Req::post("/api/services", admin).json(&json!({
                "name": "Limpeza", "description": "Profilaxia e polimento",
                "price_cents": 18000, "currency": "BRL", "duration_minutes": 30
            })),
            201,
        )
        .await;
    let service = id(&service);
    rec.send(Req::get("/api/services", staff), 200).await;
    rec.send(Req::get(&format!("/api/services/{service}"), staff), 200)
        .await;
    rec.send(
        Req::patch(&format!("/api/services/{service}"), admin).json(&json!({"price_cents": 19500})),
        200,
    )
    .await;
    let booking = json!({
        "client_id": maria, "service_id": service, "user_id": clinic.staff.user_id,
        "starts_at": format!("{SCENARIO_DAY}T12:00:00Z"), "notes": "Primeira consulta"
    });
    let appointment = rec
        .send(Req::post("/api/appointments", staff).json(&booking), 201)
        .await;
    let appointment = id(&appointment);
    let day =
        format!("/api/appointments?from={SCENARIO_DAY}T00:00:00Z&to={SCENARIO_DAY}T23:59:59Z");
    rec.send(Req::get(&day, staff), 200).await;
    rec.send(
        Req::get(&format!("/api/appointments/{appointment}"), staff),
        200,
    )
    .await;
    rec.send(
        Req::patch(&format!("/api/appointments/{appointment}"), staff)
            .json(&json!({"status": "confirmed"})),
        200,
    )
    .await;

    // Integrations: secrets go in, only `has_*` flags come out.
    let whatsapp = integration(
        &mut rec,
        admin,
        json!({"provider": "whatsapp", "account_id": WHATSAPP_ACCOUNT, "config": {},
               "secrets": {"webhook_secret": RELAY_SECRET, "app_secret": APP_SECRET,
                           "verify_token": VERIFY_TOKEN}}),
    )
    .await;
    integration(
        &mut rec,
        admin,
        json!({"provider": "instagram", "account_id": INSTAGRAM_ACCOUNT, "config": {},
               "secrets": {"app_secret": APP_SECRET, "verify_token": IG_VERIFY_TOKEN}}),
    )
    .await;
    integration(
        &mut rec,
        admin,
        json!({"provider": "n8n", "account_id": N8N_ACCOUNT, "config": {"outbound_url": n8n.url},
               "secrets": {"outbound_secret": OUTBOUND_SECRET, "webhook_secret": N8N_CALLBACK_SECRET}}),
    )
    .await;
    integration(
        &mut rec,
        admin,
        json!({"provider": "openai", "account_id": "main",
               "config": {"base_url": model_url, "model": "gpt-4o-mini"},
               "secrets": {"api_key": OPENAI_KEY}}),
    )
    .await;
    rec.send(Req::get("/api/integrations", admin), 200).await;
    rec.send(
        Req::get(&format!("/api/integrations/{whatsapp}"), admin),
        200,
    )
    .await;
    rec.send(Req::get("/api/settings", staff), 200).await;
    let settings = json!({"contact_email": "contato@sorriso.example",
                          "contact_phone": "+55 11 4000-1234", "conversation_window_hours": 48});
    rec.send(Req::patch("/api/settings", admin).json(&settings), 200)
        .await;

    // Meta's handshakes, then a conversation: started, written to, read, answered.
    let hub = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token";
    rec.send(
        Req::get(&format!("/webhooks/whatsapp?{hub}={VERIFY_TOKEN}"), anon),
        200,
    )
    .await;
    rec.send(
        Req::get(
            &format!("/webhooks/instagram?{hub}={IG_VERIFY_TOKEN}"),
            anon,
        ),
        200,
    )
    .await;
    let start = json!({"client_id": maria, "channel": "whatsapp"});
    let thread = rec
        .send(
            Req::post("/api/conversations/start", staff).json(&start),
            201,
        )
        .await;
    let thread = id(&thread);
    let (raw, sig) = signed(
        RELAY_SECRET,
        &json!({"account_id": WHATSAPP_ACCOUNT, "message_id": "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBD",
                "from": {"id": "5511987654321", "name": "Maria Souza"}, "type": "text",
                "text": "Oi! Posso remarcar minha limpeza para sexta de manhã?", "timestamp": now()}),
    );
    let relayed = rec
        .send(
            Req::post("/webhooks/whatsapp", anon)
                .raw_json(raw)
                .header("X-Atende-Signature", &sig),
            200,
        )
        .await;
    assert_eq!(
        relayed["results"][0]["conversation_id"], thread,
        "the patient's message lands in the thread started for her"
    );
    let t = chrono::Utc::now().timestamp_millis(); // after the thread's start, to the ms
    let instagram = serde_json::to_vec(&json!({"object": "instagram", "entry": [{"id": INSTAGRAM_ACCOUNT, "time": t,
        "messaging": [{"sender": {"id": "IGSID-5550001"}, "recipient": {"id": INSTAGRAM_ACCOUNT}, "timestamp": t,
                       "message": {"mid": "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQx", "text": "Vocês atendem aos sábados?"}}]}]}))
    .unwrap();
    let hub_sig = infra_crypto::meta::sign_hub(APP_SECRET.as_bytes(), &instagram);
    rec.send(
        Req::post("/webhooks/instagram", anon)
            .raw_json(instagram)
            .header("X-Hub-Signature-256", &hub_sig),
        200,
    )
    .await;
    rec.send(Req::get("/api/summary/home", staff), 200).await;
    rec.send(Req::get("/api/inbox/summary", staff), 200).await;
    rec.send(Req::get("/api/conversations?status=active", staff), 200)
        .await;
    rec.send(
        Req::post(&format!("/api/conversations/{thread}/read"), staff),
        200,
    )
    .await;
    // The live stream, resumed from the start of the log and filtered to read receipts: the
    // receipt just made arrives first (the stream goes on; the example stops there).
    rec.send(
        Req::get(
            &format!("/api/events?types=conversation.read&conversation_id={thread}"),
            staff,
        )
        .header("Last-Event-ID", "0")
        .stream_until("event: conversation.read"),
        200,
    )
    .await;
    let reply = json!({"conversation_id": thread,
                       "message": "Claro, Maria! Temos sexta às 9h. Pode ser?"});
    let sent = rec
        .send(
            Req::post("/api/chat/send", staff)
                .json(&reply)
                .header("Idempotency-Key", "reply-7f3c2a"),
            202,
        )
        .await;
    let reply_id = id(&sent["interaction"]);
    let worker = outbox_support::worker(&app, 30);
    outbox_support::drive(&app, &worker, &reply_id, "failed").await;
    rec.send(
        Req::post(&format!("/api/interactions/{reply_id}/retry"), staff),
        202,
    )
    .await;
    outbox_support::drive(&app, &worker, &reply_id, "sent").await;
    let (raw, sig) = signed(
        N8N_CALLBACK_SECRET,
        &json!({"account_id": N8N_ACCOUNT, "interaction_id": reply_id, "status": "delivered",
                "timestamp": now()}),
    );
    rec.send(
        Req::post("/webhooks/n8n/status", anon)
            .raw_json(raw)
            .header("X-Atende-Signature", &sig),
        200,
    )
    .await;
    let note = json!({"conversation_id": thread, "channel": "whatsapp", "direction": "inbound",
                      "text": "Pode ser, obrigada!", "external_id": "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFjRGQ0RF"});
    rec.send(Req::post("/api/interactions", agent).json(&note), 201)
        .await;
    // An internal note: shown in the history with its author, never sent to the patient.
    rec.send(
        Req::post(&format!("/api/conversations/{thread}/notes"), staff)
            .json(&json!({"text": "Prefere ser chamada pela manhã; confirmar na véspera."})),
        201,
    )
    .await;
    rec.send(
        Req::get(&format!("/api/conversations/{thread}"), staff),
        200,
    )
    .await;
    // Labels: the admin keeps the clinic's labels, any member puts them on conversations, and
    // the inbox filters by them.
    let label = rec
        .send(
            Req::post("/api/labels", admin).json(&json!({"name": "Retorno", "colour": "#00AA00"})),
            201,
        )
        .await;
    let label = id(&label);
    rec.send(Req::get("/api/labels", staff), 200).await;
    rec.send(Req::get(&format!("/api/labels/{label}"), staff), 200)
        .await;
    rec.send(
        Req::patch(&format!("/api/labels/{label}"), admin).json(&json!({"colour": "#ff8800"})),
        200,
    )
    .await;
    rec.send(
        Req::put(
            &format!("/api/conversations/{thread}/labels/{label}"),
            staff,
        ),
        200,
    )
    .await;
    rec.send(
        Req::get(&format!("/api/conversations/{thread}/labels"), staff),
        200,
    )
    .await;
    rec.send(
        Req::delete(
            &format!("/api/conversations/{thread}/labels/{label}"),
            staff,
        ),
        200,
    )
    .await;
    rec.send(Req::delete(&format!("/api/labels/{label}"), admin), 204)
        .await;

    // The analyst: a snapshot of the patient, then the profile.
    let generate = json!({"client_id": maria, "source_conversation_id": thread});
    let snapshot = rec
        .send(
            Req::post("/api/snapshots/generate", staff).json(&generate),
            201,
        )
        .await;
    assert_eq!(snapshot["snapshot"]["analyzer"], "openai");
    let snapshot = id(&snapshot["snapshot"]);
    rec.send(Req::get(&format!("/api/snapshots/{snapshot}"), staff), 200)
        .await;
    rec.send(
        Req::get(&format!("/api/clients/{maria}/snapshots"), staff),
        200,
    )
    .await;
    rec.send(
        Req::patch(&format!("/api/conversations/{thread}/close"), staff)
            .json(&json!({"reason": "remarcado"})),
        200,
    )
    .await;
    rec.send(
        Req::get(
            "/api/search/messages?q=remarc*%20sexta&channel=whatsapp",
            staff,
        ),
        200,
    )
    .await;
    api_doc_support::noshows::record(
        &mut rec,
        (admin, staff),
        &clinic,
        (&maria, &service, &appointment),
    )
    .await;
    rec.send(
        Req::get(&format!("/api/clients/{maria}/profile"), staff),
        200,
    )
    .await;
    let rotate = json!({"secrets": {"webhook_secret": ROTATED_RELAY_SECRET}});
    rec.send(
        Req::patch(&format!("/api/integrations/{whatsapp}"), admin).json(&rotate),
        200,
    )
    .await;

    refusals::record(
        &app,
        &mut rec,
        &other,
        &admin_browser,
        &staff_browser,
        &maria,
        &thread,
    )
    .await;

    // The operator's scrape, after all of the above.
    rec.send(Req::get("/metrics", Who::Token(METRICS_TOKEN)), 200)
        .await;

    // No secret ever comes back.
    rec.assert_never_returned(&[
        RELAY_SECRET,
        APP_SECRET,
        VERIFY_TOKEN,
        IG_VERIFY_TOKEN,
        OPENAI_KEY,
        OUTBOUND_SECRET,
        N8N_CALLBACK_SECRET,
        ROTATED_RELAY_SECRET,
        METRICS_TOKEN,
    ]);

    // Every operation has an example; every call is an operation.
    let ops = operations(&doc);
    if let Err(problems) = check_coverage(&ops, &rec.calls) {
        panic!("docs/api.md does not cover the OpenAPI document:\n{problems}");
    }

    let mut n = Normaliser::new(SCENARIO_DAY);
    n.literal(&app.base, "http://127.0.0.1:8080");
    n.literal(METRICS_TOKEN, "<ATENDE_METRICS_TOKEN>");
    n.literal(
        n8n.url.trim_end_matches("/webhook/atende-out"),
        "https://n8n.sorriso.example",
    );
    n.literal(model_url.trim_end_matches("/v1"), "https://llm.example.com");
    n.tag(&tag(&clinic), "sorriso");
    n.tag(&tag(&other), "vizinha");
    let markdown = render(&doc, &ops, &rec.calls, &mut n);
    for leak in [
        clinic.company_id.to_string(),
        tag(&clinic),
        agent_token.clone(),
        app.base.clone(),
    ] {
        assert!(!markdown.contains(&leak), "{leak} was not normalised");
    }
    bless::compare_or_bless(&markdown);
}

/// Creates an integration (recorded) and returns its id, checking no secret is echoed.
async fn integration(rec: &mut Recorder, admin: Who<'_>, body: Value) -> String {
    let created = rec
        .send(Req::post("/api/integrations", admin).json(&body), 201)
        .await;
    assert!(created.get("secrets").is_none(), "{created}");
    id(&created)
}

/// The random tag of a test clinic's e-mails and passwords (see `TestApp::clinic`).
fn tag(clinic: &Clinic) -> String {
    let (_, rest) = clinic.admin.email.split_once('-').unwrap();
    rest.split_once('@').unwrap().0.to_owned()
}
