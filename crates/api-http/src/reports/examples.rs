//! The example of the overview in the OpenAPI document.

use serde_json::{Value, json};

const USER: &str = "0193a7e2-5b1c-7a02-8f00-000000000002";
const SERVICE: &str = "0193a7e2-5b1c-7a04-8f00-000000000004";

fn times() -> Value {
    json!({
        "overall": { "count": 40, "p50_seconds": 420, "p90_seconds": 3600 }, "without": 3,
        "by_member": [{ "user_id": USER, "name": "Bruna Recepção", "count": 40,
                        "p50_seconds": 420, "p90_seconds": 3600 }],
        "by_channel": [{ "channel": "whatsapp", "count": 40, "p50_seconds": 420,
                         "p90_seconds": 3600 }]
    })
}

/// The example of the component schema `name`, if it is one of these.
#[must_use]
pub fn for_schema(name: &str) -> Option<Value> {
    (name == "OverviewDto").then(|| {
        let rate = |no_show: u64, completed: u64| {
            json!({ "no_show": no_show, "completed": completed,
                    "rate": no_show as f64 / (no_show + completed) as f64 })
        };
        json!({
            "from": "2026-03-01", "to": "2026-03-31", "timezone": "America/Sao_Paulo",
            "appointments_by_status": [
                { "status": "scheduled", "count": 12 }, { "status": "confirmed", "count": 30 },
                { "status": "completed", "count": 90 }, { "status": "no_show", "count": 10 },
                { "status": "canceled", "count": 8 }],
            "no_show": {
                "overall": rate(10, 90),
                "by_professional": [{ "user_id": USER, "name": "Dra. Ana", "no_show": 10,
                                      "completed": 90, "rate": 0.1 }],
                "by_service": [{ "service_id": SERVICE, "name": "Avaliação", "no_show": 10,
                                 "completed": 90, "rate": 0.1 }],
                "by_risk": [{ "risk": "high", "no_show": 6, "completed": 4, "rate": 0.6 },
                            { "risk": "unknown", "no_show": 4, "completed": 86,
                              "rate": 4.0 / 90.0 }],
                "by_confirmation": [
                    { "confirmation": "with_answer", "no_show": 0, "completed": 0, "rate": null },
                    { "confirmation": "without_answer", "no_show": 10, "completed": 90, "rate": 0.1 }]
            },
            "first_response": times(),
            "resolution": times(),
            "messages_by_channel": [{ "channel": "whatsapp", "inbound": 820, "outbound": 640 }],
            "payments": {
                "by_currency": [{ "currency": "BRL", "count": 45, "amount_cents": 1_350_000 }],
                "by_method": [{ "method": "pix", "currency": "BRL", "count": 45,
                                "amount_cents": 1_350_000 }]
            }
        })
    })
}
