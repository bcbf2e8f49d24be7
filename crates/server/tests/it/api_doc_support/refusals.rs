//! The calls of the "Errors" section: a handful of refusals, as the API answers them.

use super::recorder::{Recorder, Req, Who};
use crate::api_doc::{RELAY_SECRET, WHATSAPP_ACCOUNT, signed};
use crate::support::{Clinic, Session, TestApp};
use serde_json::json;

/// Records the refusals of the "Errors" section.
pub async fn record(
    app: &TestApp,
    rec: &mut Recorder,
    other: &Clinic,
    admin: &Session,
    staff: &Session,
    maria: &str,
    thread: &str,
) {
    rec.send(
        Req::get("/api/clients", Who::Anonymous).error("401 without a session or token"),
        401,
    )
    .await;
    rec.send(
        Req::post("/api/clients", Who::Browser(admin))
            .raw_json(b"{\"name\": \"Ana\",".to_vec())
            .error("400 a body that is not JSON"),
        400,
    )
    .await;
    let bad = json!({"working_hours": {"mon": [{"start": "12:00", "end": "08:00"}]},
                     "timezone": "Nowhere/City", "contact_email": "x"});
    rec.send(
        Req::patch("/api/settings", Who::Browser(admin))
            .json(&bad)
            .error("422 validation, one entry per field"),
        422,
    )
    .await;
    rec.send(
        Req::patch("/api/settings", Who::Browser(staff))
            .json(&json!({"locale": "en-US"}))
            .error("403 a staff member on an admin operation"),
        403,
    )
    .await;
    rec.send(
        Req::post(
            "/api/clients",
            Who::CrossSite(admin, "https://evil.example"),
        )
        .json(&json!({"name": "Ana"}))
        .error("403 a cookie request from another site (CSRF)"),
        403,
    )
    .await;
    let neighbour = app.sign_in_as(&other.admin).await;
    rec.send(
        Req::get(&format!("/api/clients/{maria}"), Who::Browser(&neighbour))
            .error("404 another clinic's patient"),
        404,
    )
    .await;
    rec.send(
        Req::post("/api/chat/send", Who::Browser(staff))
            .json(&json!({"conversation_id": thread, "message": "Olá?"}))
            .error("409 a reply to a closed conversation"),
        409,
    )
    .await;
    let (raw, _) = signed(RELAY_SECRET, &json!({"account_id": WHATSAPP_ACCOUNT}));
    rec.send(
        Req::post("/webhooks/whatsapp", Who::Anonymous)
            .raw_json(raw)
            .header("X-Atende-Signature", "t=1767268800,v1=00")
            .error("401 a webhook with a bad signature"),
        401,
    )
    .await;
}
