//! Examples of the availability, schedule and time-off bodies in the OpenAPI document.

use serde_json::{Value, json};

const USER: &str = "0193a7e2-5b1c-7a02-8f00-000000000002";
const SERVICE: &str = "0193a7e2-5b1c-7a04-8f00-000000000004";
const TIME_OFF: &str = "0193a7e2-5b1c-7a0c-8f00-00000000000c";
const AT: &str = "2026-03-10T12:00:00Z";

fn week() -> Value {
    json!({ "mon": [{ "start": "08:00", "end": "12:00" }, { "start": "13:00", "end": "17:00" }],
            "wed": [{ "start": "08:00", "end": "12:00" }] })
}

fn schedule() -> Value {
    json!({ "user_id": USER, "weekly_hours": week(), "updated_at": AT })
}

fn time_off() -> Value {
    json!({ "id": TIME_OFF, "user_id": USER, "starts_at": "2026-03-20T03:00:00Z",
            "ends_at": "2026-03-21T03:00:00Z", "reason": "Congresso", "created_by": USER,
            "created_at": AT, "updated_at": AT })
}

/// The example of the component schema `name`, if it is one of these.
#[must_use]
pub fn for_schema(name: &str) -> Option<Value> {
    Some(match name {
        "AvailabilityDto" => json!({
            "service_id": SERVICE, "timezone": "America/Sao_Paulo", "duration_minutes": 30,
            "buffer_minutes": 10, "slot_step_minutes": 15,
            "slots": [{ "user_id": USER, "starts_at": "2026-03-11T11:00:00Z",
                        "ends_at": "2026-03-11T11:30:00Z" }],
            "truncated": false
        }),
        "ScheduleDto" => schedule(),
        "ScheduleList" => json!({ "data": [schedule()] }),
        "PutScheduleRequest" => json!({ "weekly_hours": week() }),
        "TimeOffDto" => time_off(),
        "TimeOffList" => json!({ "data": [time_off()], "next_cursor": null }),
        "CreateTimeOffRequest" => json!({ "user_id": USER, "starts_at": "2026-03-20T03:00:00Z",
                                          "ends_at": "2026-03-21T03:00:00Z", "reason": "Congresso" }),
        "UpdateTimeOffRequest" => json!({ "ends_at": "2026-03-22T03:00:00Z" }),
        _ => return None,
    })
}
