//! Examples of the JSON bodies in the OpenAPI document, by component schema name.
//!
//! [`crate::openapi_extra::Conventions`] puts them on every request body and 2xx response whose
//! schema is that component, so each operation shows a complete example in `/docs`. The
//! walk test (`tests/openapi_walk.rs`) checks that every example only uses properties its
//! schema has and has all the required ones.

use serde_json::{Value, json};

const COMPANY: &str = "0193a7e2-5b1c-7a01-8f00-000000000001";
const USER: &str = "0193a7e2-5b1c-7a02-8f00-000000000002";
const CLIENT: &str = "0193a7e2-5b1c-7a03-8f00-000000000003";
const SERVICE: &str = "0193a7e2-5b1c-7a04-8f00-000000000004";
const APPOINTMENT: &str = "0193a7e2-5b1c-7a05-8f00-000000000005";
const CONVERSATION: &str = "0193a7e2-5b1c-7a06-8f00-000000000006";
const INTERACTION: &str = "0193a7e2-5b1c-7a07-8f00-000000000007";
const TOKEN: &str = "0193a7e2-5b1c-7a08-8f00-000000000008";
const INTEGRATION: &str = "0193a7e2-5b1c-7a09-8f00-000000000009";
const SNAPSHOT: &str = "0193a7e2-5b1c-7a0a-8f00-00000000000a";
const IDENTITY: &str = "0193a7e2-5b1c-7a0b-8f00-00000000000b";
const AT: &str = "2026-03-10T12:00:00Z";

fn page(item: Value) -> Value {
    json!({ "data": [item], "next_cursor": null })
}

fn account() -> Value {
    json!({
        "user": { "id": USER, "email": "admin@clinica.demo", "name": "Ana Admin",
                  "role": "admin", "status": "active" },
        "company": { "id": COMPANY, "name": "Clínica Demo" },
        "memberships": [{ "company": { "id": COMPANY, "name": "Clínica Demo" },
                          "user_id": USER, "role": "admin", "status": "active",
                          "active": true }]
    })
}

fn user() -> Value {
    json!({ "id": USER, "email": "recepcao@clinica.demo", "name": "Bruna Recepção",
            "role": "staff", "status": "active", "invite_expires_at": null,
            "created_at": AT })
}

fn api_token() -> Value {
    json!({ "id": TOKEN, "name": "n8n production", "role": "staff",
            "scopes": ["read", "messages:write"], "created_at": AT,
            "expires_at": "2026-06-08T12:00:00Z", "created_by": USER,
            "last_used_at": null, "revoked_at": null })
}

fn client() -> Value {
    json!({
        "id": CLIENT, "name": "Maria Souza", "phone": "+5511987654321",
        "email": "maria@example.com", "instagram_username": "maria.souza",
        "notes": "Prefers mornings.", "tags": ["botox"], "status": "active",
        "identities": [{ "id": IDENTITY, "channel": "whatsapp", "external_id": "5511987654321",
                         "display_value": "+55 11 98765-4321", "phone": "+5511987654321",
                         "created_at": AT }],
        "created_at": AT, "updated_at": AT
    })
}

fn service() -> Value {
    json!({ "id": SERVICE, "name": "Avaliação", "description": "First visit",
            "price_cents": 15000, "currency": "BRL", "duration_minutes": 30, "active": true,
            "created_at": AT, "updated_at": AT })
}

fn appointment() -> Value {
    json!({ "id": APPOINTMENT, "client_id": CLIENT, "service_id": SERVICE, "user_id": USER,
            "starts_at": "2026-03-11T13:00:00Z", "ends_at": "2026-03-11T13:30:00Z",
            "status": "scheduled", "notes": null, "created_by": USER, "canceled_at": null,
            "created_at": AT, "updated_at": AT })
}

fn integration() -> Value {
    json!({ "id": INTEGRATION, "provider": "whatsapp", "account_id": "109876543210987",
            "config": {}, "status": "active", "has_webhook_secret": true,
            "has_app_secret": true, "has_verify_token": true, "has_outbound_secret": false,
            "has_api_key": false, "created_at": AT, "updated_at": AT })
}

fn conversation() -> Value {
    json!({
        "id": CONVERSATION, "client_id": CLIENT, "status": "active", "channel": "whatsapp",
        "last_inbound_channel": "whatsapp", "started_at": AT, "ended_at": null,
        "close_reason": null, "closed_by": null, "last_message_at": AT,
        "last_inbound_at": AT, "unread_count": 1, "last_read_at": null, "last_read_by": null,
        "last_message": { "interaction_id": INTERACTION, "snippet": "Olá! Tem horário amanhã?",
                          "direction": "inbound", "status": "received" }
    })
}

fn interaction() -> Value {
    json!({
        "id": INTERACTION, "conversation_id": CONVERSATION, "client_id": CLIENT,
        "channel": "whatsapp", "direction": "inbound", "content_type": "text",
        "text": "Olá! Tem horário amanhã?", "media": null, "metadata": {},
        "external_id": "wamid.HBgMNTUxMTk4NzY1NDMyMRUCABIYFjNFQjA", "status": "received",
        "error": null, "source": "webhook", "sent_by_user_id": null, "occurred_at": AT,
        "created_at": AT, "deleted_at": null
    })
}

fn snapshot() -> Value {
    json!({
        "id": SNAPSHOT, "client_id": CLIENT, "source_conversation_id": CONVERSATION,
        "summary": "Asked for a morning slot tomorrow; returning patient.",
        "flags": { "wants_booking": true }, "next_best_action": "Offer 09:00 tomorrow",
        "evidence": [INTERACTION], "trigger": "manual", "requested_by": USER,
        "analyzer": "heuristic", "model": null, "locale": "pt-BR",
        "input": { "message_count": 4, "from": AT, "to": AT },
        "usage": { "prompt_tokens": null, "completion_tokens": null, "latency_ms": 3 },
        "created_at": AT
    })
}

fn settings() -> Value {
    json!({
        "working_hours": { "mon": [{ "start": "08:00", "end": "12:00" },
                                   { "start": "13:00", "end": "18:00" }] },
        "contact_email": "contato@clinica.demo", "contact_phone": "+551130000000",
        "logo_url": "https://clinica.demo/logo.png", "timezone": "America/Sao_Paulo",
        "locale": "pt-BR", "conversation_window_hours": 24, "buffer_minutes": 10,
        "slot_step_minutes": 15
    })
}

/// The example of the component schema `name`, if it has one.
#[must_use]
pub fn for_schema(name: &str) -> Option<Value> {
    Some(match name {
        "HealthStatus" => json!({ "status": "ok" }),
        "SignInRequest" => {
            json!({ "email": "admin@clinica.demo", "password": "correct horse battery" })
        }
        "AcceptInviteRequest" => {
            json!({ "token": "inv_3q2Xb7w9", "password": "a long new passphrase" })
        }
        "SwitchClinicRequest" => json!({ "company_id": COMPANY }),
        "ChangePasswordRequest" => json!({ "current_password": "correct horse battery",
                                           "new_password": "a longer new passphrase" }),
        "ResetPasswordRequest" => json!({ "token": "rst_8Jd2Lq0x",
                                          "new_password": "a longer new passphrase" }),
        "PasswordResetDto" => json!({ "reset_token": "rst_8Jd2Lq0x",
                                      "expires_at": "2026-03-11T12:00:00Z" }),
        "AccountResponse" => account(),
        "UserDto" => user(),
        "UserList" => page(user()),
        "CreateUserRequest" => json!({ "email": "recepcao@clinica.demo",
                                       "name": "Bruna Recepção", "role": "staff" }),
        "CreatedUser" => {
            let mut invited = user();
            invited["status"] = json!("invited");
            invited["invite_expires_at"] = json!("2026-03-17T12:00:00Z");
            json!({ "user": invited, "invite_token": "inv_3q2Xb7w9",
                    "invite_expires_at": "2026-03-17T12:00:00Z" })
        }
        "UpdateUserRequest" => json!({ "role": "admin" }),
        "CreateApiTokenRequest" => json!({ "name": "n8n production",
                                           "scopes": ["read", "messages:write"] }),
        "ApiTokenList" => page(api_token()),
        "CreatedApiTokenDto" => {
            let mut token = api_token();
            token["token"] = json!("atk_4kq9X2m7Z8b1");
            token
        }
        "ClientDto" => client(),
        "ClientList" => page(client()),
        "CreateClientRequest" => json!({ "name": "Maria Souza", "phone": "+55 11 98765-4321",
                                         "tags": ["botox"] }),
        "UpdateClientRequest" => json!({ "notes": "Prefers mornings.", "status": "active" }),
        "ServiceDto" => service(),
        "ServiceList" => page(service()),
        "CreateServiceRequest" => json!({ "name": "Avaliação", "price_cents": 15000,
                                          "duration_minutes": 30 }),
        "UpdateServiceRequest" => json!({ "price_cents": 18000 }),
        "AppointmentDto" => appointment(),
        "AppointmentList" => page(appointment()),
        "CreateAppointmentRequest" => json!({ "client_id": CLIENT, "service_id": SERVICE,
                                              "user_id": USER,
                                              "starts_at": "2026-03-11T13:00:00Z" }),
        "UpdateAppointmentRequest" => json!({ "status": "confirmed" }),
        "CreateIntegrationRequest" => json!({
            "provider": "whatsapp", "account_id": "109876543210987", "config": {},
            "secrets": { "webhook_secret": "whsec-relay-0123", "app_secret": "meta-app-secret",
                         "verify_token": "verify-token-0123" }
        }),
        "UpdateIntegrationRequest" => json!({ "secrets": { "outbound_secret": "outbound-0123" },
                                              "status": "active" }),
        "IntegrationDto" => integration(),
        "IntegrationList" => page(integration()),
        "SendRequest" => json!({ "conversation_id": CONVERSATION,
                                 "message": "Temos às 9h amanhã. Posso confirmar?" }),
        "SendResponse" => {
            let mut reply = interaction();
            reply["direction"] = json!("outbound");
            reply["status"] = json!("queued");
            reply["source"] = json!("app");
            reply["external_id"] = Value::Null;
            reply["sent_by_user_id"] = json!(USER);
            json!({ "interaction": reply })
        }
        "StatusCallbackResponse" => {
            json!({ "matched": true, "changed": true, "status": "delivered" })
        }
        "GenerateSnapshotRequest" => json!({ "client_id": CLIENT,
                                             "source_conversation_id": CONVERSATION }),
        "SnapshotDto" => snapshot(),
        "SnapshotList" => page(snapshot()),
        "GeneratedSnapshot" => json!({ "snapshot": snapshot(), "reused": null,
                                       "next_allowed_at": "2026-03-10T12:10:00Z" }),
        "StartRequest" => json!({ "client_id": CLIENT, "channel": "whatsapp" }),
        "CloseRequest" => json!({ "reason": "Booked" }),
        "ConversationDto" => conversation(),
        "ConversationListDto" => page(conversation()),
        "ConversationViewDto" => json!({
            "conversation": conversation(),
            "client": { "id": CLIENT, "name": "Maria Souza", "phone": "+5511987654321" },
            "interactions": page(interaction()),
            "notes": [crate::conversations::notes::example_note()]
        }),
        "RecordRequest" => json!({
            "client_id": CLIENT, "channel": "whatsapp", "direction": "inbound",
            "text": "Olá! Tem horário amanhã?",
            "external_id": "wamid.HBgMNTUxMTk4NzY1NDMyMRUCABIYFjNFQjA",
            "occurred_at": AT
        }),
        "RecordResponse" => json!({ "interaction": interaction(), "duplicate": false }),
        "RelayResponse" => json!({ "results": [{
            "message_id": "wamid.HBgMNTUxMTk4NzY1NDMyMRUCABIYFjNFQjA",
            "interaction_id": INTERACTION, "conversation_id": CONVERSATION,
            "client_id": CLIENT, "duplicate": false
        }] }),
        "HomeDto" => json!({
            "appointments_today_count": 6, "open_conversations_count": 12,
            "unread_inbound_count": 3,
            "received_today": [{ "currency": "BRL", "amount_cents": 45000 }],
            "quick_actions": [{ "id": "new_appointment", "label": "New appointment",
                                "href": "/appointments/new" }]
        }),
        "InboxDto" => page(json!({
            "conversation_id": CONVERSATION,
            "client": { "id": CLIENT, "name": "Maria Souza", "phone": "+5511987654321" },
            "channel": "whatsapp",
            "last_message": { "snippet": "Olá! Tem horário amanhã?", "direction": "inbound",
                              "at": AT, "status": "received" },
            "unread": true, "unread_count": 1, "started_at": AT
        })),
        "ProfileDto" => json!({
            "client": client(), "latest_snapshot": snapshot(),
            "recent_interactions": [interaction()], "recent_conversations": [conversation()],
            "upcoming_appointments": [{ "id": APPOINTMENT, "service_id": SERVICE,
                                        "service_name": "Avaliação", "user_id": USER,
                                        "starts_at": "2026-03-11T13:00:00Z",
                                        "ends_at": "2026-03-11T13:30:00Z",
                                        "status": "scheduled" }],
            "stats": { "appointments_total": 3, "no_show_count": 0, "last_visit_at": AT },
            "balances": [{ "currency": "BRL", "due_cents": 0, "paid_cents": 15000 }],
            "recent_payments": [crate::payments::examples::for_schema("PaymentDto")]
        }),
        "SettingsDto" => settings(),
        "SettingsPatchDto" => json!({ "timezone": "America/Sao_Paulo",
                                      "conversation_window_hours": 24 }),
        _ => {
            return crate::availability::examples::for_schema(name)
                .or_else(|| crate::conversations::notes::examples(name))
                .or_else(|| crate::labels::dto::examples(name))
                .or_else(|| crate::payments::examples::for_schema(name))
                .or_else(|| crate::reports::examples::for_schema(name))
                .or_else(|| crate::search::examples::for_schema(name));
        }
    })
}
