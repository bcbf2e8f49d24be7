//! Examples of the search bodies in the OpenAPI document.

use serde_json::{Value, json};

fn hit() -> Value {
    json!({
        "id": "0193a7e2-5b1c-7a07-8f00-000000000007",
        "conversation_id": "0193a7e2-5b1c-7a06-8f00-000000000006",
        "client_id": "0193a7e2-5b1c-7a03-8f00-000000000003",
        "client_name": "Maria Souza", "channel": "whatsapp", "direction": "inbound",
        "occurred_at": "2026-03-10T12:00:00Z",
        "snippet": [{ "text": "Não", "highlight": true },
                    { "text": " posso ir amanhã, preciso ", "highlight": false },
                    { "text": "remarcar", "highlight": true }]
    })
}

/// The example of the component schema `name`, if it is one of these.
#[must_use]
pub fn for_schema(name: &str) -> Option<Value> {
    Some(match name {
        "MessageHitDto" => hit(),
        "MessageHitList" => json!({ "data": [hit()], "next_cursor": null }),
        "SnippetPartDto" => json!({ "text": "remarcar", "highlight": true }),
        _ => return None,
    })
}
