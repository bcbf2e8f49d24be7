//! Examples of the payment bodies in the OpenAPI document.

use serde_json::{Value, json};

const CLIENT: &str = "0193a7e2-5b1c-7a03-8f00-000000000003";
const APPOINTMENT: &str = "0193a7e2-5b1c-7a05-8f00-000000000005";
const PAYMENT: &str = "0193a7e2-5b1c-7a0d-8f00-00000000000d";
const AT: &str = "2026-03-10T12:00:00Z";

fn payment() -> Value {
    json!({ "id": PAYMENT, "client_id": CLIENT, "appointment_id": APPOINTMENT,
            "amount_cents": 15000, "currency": "BRL", "status": "paid", "method": "pix",
            "paid_at": AT, "created_at": AT, "updated_at": AT })
}

/// The example of the component schema `name`, if it is one of these.
#[must_use]
pub fn for_schema(name: &str) -> Option<Value> {
    Some(match name {
        "PaymentDto" => payment(),
        "PaymentList" => json!({ "data": [payment()], "next_cursor": null }),
        "CreatePaymentRequest" => json!({ "client_id": CLIENT, "appointment_id": APPOINTMENT,
                                          "amount_cents": 15000, "status": "paid",
                                          "method": "pix" }),
        "UpdatePaymentRequest" => json!({ "status": "refunded" }),
        _ => return None,
    })
}
