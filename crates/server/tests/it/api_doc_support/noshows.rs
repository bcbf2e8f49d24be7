//! The tour's part of issue 21: a professional's schedule and time off, free slots, payments
//! and the clinic's numbers (as JSON and as one CSV table).

use super::recorder::{Recorder, Req, Who};
use crate::support::Clinic;
use serde_json::json;

/// Records the calls, on the scenario day (Monday 2030-03-04) of the tour's appointment.
pub async fn record(
    rec: &mut Recorder,
    (admin, staff): (Who<'_>, Who<'_>),
    clinic: &Clinic,
    (maria, service, appointment): (&str, &str, &str),
) {
    let pro = clinic.staff.user_id;
    let hours = json!({"working_hours": {"mon": [{"start": "08:00", "end": "12:00"},
                                                 {"start": "13:00", "end": "18:00"}]},
                       "buffer_minutes": 15, "slot_step_minutes": 30});
    rec.send(Req::patch("/api/settings", admin).json(&hours), 200)
        .await;
    let week = json!({"weekly_hours": {"mon": [{"start": "08:00", "end": "12:00"}]}});
    rec.send(
        Req::put(&format!("/api/schedules/{pro}"), admin).json(&week),
        200,
    )
    .await;
    rec.send(Req::get("/api/schedules", admin), 200).await;
    rec.send(Req::get(&format!("/api/schedules/{pro}"), staff), 200)
        .await;
    let off = json!({"user_id": pro, "starts_at": "2030-03-04T14:00:00Z",
                     "ends_at": "2030-03-04T15:00:00Z", "reason": "Curso"});
    let off = rec
        .send(Req::post("/api/time-off", admin).json(&off), 201)
        .await;
    let off = off["id"].as_str().unwrap().to_owned();
    rec.send(Req::get("/api/time-off", staff), 200).await;
    rec.send(Req::get(&format!("/api/time-off/{off}"), admin), 200)
        .await;
    rec.send(
        Req::patch(&format!("/api/time-off/{off}"), admin)
            .json(&json!({"reason": "Curso de atualização"})),
        200,
    )
    .await;
    // 08:00-12:00 in São Paulo (11:00Z-15:00Z), less the 09:00 appointment with its 15-minute
    // buffer and the time off from 11:00.
    let free = rec
        .send(
            Req::get(
                &format!("/api/availability?service_id={service}&user_id={pro}&from=2030-03-04T00:00:00Z&to=2030-03-05T00:00:00Z"),
                staff,
            ),
            200,
        )
        .await;
    assert_eq!(free["slots"].as_array().unwrap().len(), 3, "{free}");
    rec.send(Req::delete(&format!("/api/time-off/{off}"), admin), 204)
        .await;

    let bill = json!({"client_id": maria, "appointment_id": appointment, "amount_cents": 19500});
    let payment = rec
        .send(Req::post("/api/payments", staff).json(&bill), 201)
        .await;
    let payment = payment["id"].as_str().unwrap().to_owned();
    rec.send(
        Req::patch(&format!("/api/payments/{payment}"), staff)
            .json(&json!({"status": "paid", "method": "pix"})),
        200,
    )
    .await;
    rec.send(Req::get(&format!("/api/payments/{payment}"), staff), 200)
        .await;
    rec.send(
        Req::get(&format!("/api/payments?client_id={maria}"), staff),
        200,
    )
    .await;

    rec.send(
        Req::get("/api/reports/overview?from=2030-03-01&to=2030-03-31", admin),
        200,
    )
    .await;
    rec.send(
        Req::get(
            "/api/reports/overview?from=2030-03-01&to=2030-03-31&table=appointments_by_status",
            admin,
        )
        .header("Accept", "text/csv"),
        200,
    )
    .await;
    rec.send(Req::delete(&format!("/api/schedules/{pro}"), admin), 204)
        .await;
}
