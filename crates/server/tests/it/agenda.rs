//! `/api/schedules` and `/api/time-off`: admin CRUD, a member reads their own, validation, and
//! another clinic's members and entries are 404 / unknown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::agenda_support::{desk, rfc, week};
use crate::support::{TestApp, assert_cross_tenant_404, assert_problem};
use chrono::{Duration, TimeZone, Utc};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn admins_manage_schedules_and_members_read_only_their_own() {
    let app = TestApp::spawn().await;
    let hours = week(&[("mon", &[("08:00", "12:00")])]);
    let d = desk(&app, "Horarios", "America/Sao_Paulo", &hours, (0, 15, 30)).await;
    let (admin_id, staff_id) = (d.clinic.admin.user_id, d.clinic.staff.user_id);
    let path = format!("/api/schedules/{staff_id}");

    // No schedule yet: 404; staff may not write one.
    assert_problem(d.admin.get(&path).send().await.unwrap(), 404, "not_found").await;
    let put =
        |s: &crate::support::Session, body: Value| s.request(Method::PUT, &path).json(&body).send();
    let body = json!({ "weekly_hours": { "tue": [{ "start": "09:00", "end": "13:00" }] } });
    assert_problem(put(&d.staff, body.clone()).await.unwrap(), 403, "forbidden").await;
    let resp = put(&d.admin, body).await.unwrap();
    assert_eq!(resp.status(), 200);
    let stored: Value = resp.json().await.unwrap();
    assert_eq!(stored["user_id"], json!(staff_id));
    assert_eq!(stored["weekly_hours"]["tue"][0]["end"], "13:00");

    // Staff read their own, not the admin's; the list is the admin's.
    let own: Value = d
        .staff
        .get(&path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(own, stored);
    d.schedule(admin_id, &hours).await;
    let admins = format!("/api/schedules/{admin_id}");
    assert_problem(d.staff.get(&admins).send().await.unwrap(), 403, "forbidden").await;
    assert_problem(
        d.staff.get("/api/schedules").send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    let list: Value = d
        .admin
        .get("/api/schedules")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"].as_array().unwrap().len(), 2);

    // Bad hours are named and change nothing.
    let bad = json!({ "weekly_hours": { "tue": [{ "start": "13:00", "end": "09:00" }],
                                        "wed": [{ "start": "08:00", "end": "12:00" },
                                                { "start": "11:00", "end": "14:00" }],
                                        "feriado": [] } });
    let body = assert_problem(put(&d.admin, bad).await.unwrap(), 422, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "weekly_hours.tue[0]",
        "weekly_hours.wed",
        "weekly_hours.feriado",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let again: Value = d
        .admin
        .get(&path)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, stored);
    let resp = put(&d.admin, json!({ "weekly_hours": {}, "extra": 1 }))
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;

    // Another clinic: its admin gets 404 for these members; this admin for its members.
    let other = desk(&app, "Vizinha", "America/Sao_Paulo", &hours, (0, 15, 30)).await;
    for method in [Method::GET, Method::DELETE] {
        assert_cross_tenant_404(&other.admin, method, &path, None).await;
    }
    assert_cross_tenant_404(
        &other.admin,
        Method::PUT,
        &path,
        Some(json!({ "weekly_hours": {} })),
    )
    .await;
    let theirs = format!("/api/schedules/{}", other.clinic.staff.user_id);
    let resp = d
        .admin
        .request(Method::PUT, &theirs)
        .json(&json!({ "weekly_hours": {} }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "not_found").await;
    let listed: Value = other
        .admin
        .get("/api/schedules")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(listed["data"].as_array().unwrap().is_empty());

    // Removing: staff may not; the admin may, once.
    let delete = |s: &crate::support::Session| s.request(Method::DELETE, &path).send();
    assert_problem(delete(&d.staff).await.unwrap(), 403, "forbidden").await;
    assert_eq!(delete(&d.admin).await.unwrap().status(), 204);
    assert_problem(delete(&d.admin).await.unwrap(), 404, "not_found").await;
}

#[tokio::test]
async fn time_off_is_admin_managed_members_see_their_own_and_clinics_never_meet() {
    let app = TestApp::spawn().await;
    let hours = week(&[("mon", &[("08:00", "12:00")])]);
    let d = desk(&app, "Folgas", "America/Sao_Paulo", &hours, (0, 15, 30)).await;
    let other = desk(&app, "Outra", "America/Sao_Paulo", &hours, (0, 15, 30)).await;
    let (admin_id, staff_id) = (d.clinic.admin.user_id, d.clinic.staff.user_id);
    let start = Utc.with_ymd_and_hms(2027, 1, 4, 11, 0, 0).unwrap();
    let entry = |user: uuid::Uuid, days: i64| {
        json!({ "user_id": user, "starts_at": rfc(start + Duration::days(days)),
                "ends_at": rfc(start + Duration::days(days) + Duration::hours(8)),
                "reason": "  Férias  " })
    };
    // Staff may not record time off; the admin may, for any member of the clinic.
    let resp = d
        .staff
        .post("/api/time-off", entry(staff_id, 0))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let mine: Value = d
        .admin
        .post("/api/time-off", entry(staff_id, 0))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["reason"], "Férias");
    assert_eq!(mine["created_by"], json!(admin_id));
    let admins: Value = d
        .admin
        .post("/api/time-off", entry(admin_id, 1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Validation: end before start, over a year, a long reason, another clinic's member.
    let bad = [
        (
            json!({ "user_id": staff_id, "starts_at": rfc(start), "ends_at": rfc(start) }),
            "ends_at",
        ),
        (
            json!({ "user_id": staff_id, "starts_at": rfc(start),
                 "ends_at": rfc(start + Duration::days(367)) }),
            "ends_at",
        ),
        (
            json!({ "user_id": staff_id, "starts_at": rfc(start), "ends_at": rfc(start + Duration::hours(1)),
                 "reason": "x".repeat(201) }),
            "reason",
        ),
        (entry(other.clinic.staff.user_id, 0), "user_id"),
    ];
    for (body, field) in bad {
        let resp = d.admin.post("/api/time-off", body).send().await.unwrap();
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }

    // The staff member lists and reads only their own.
    let listed: Value = d
        .staff
        .get("/api/time-off")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&Value> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    assert_eq!(ids, [&mine["id"]]);
    let theirs = format!("/api/time-off?user_id={admin_id}");
    assert_problem(d.staff.get(&theirs).send().await.unwrap(), 403, "forbidden").await;
    let admin_entry = format!("/api/time-off/{}", admins["id"].as_str().unwrap());
    assert_problem(
        d.staff.get(&admin_entry).send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    let all: Value = d
        .admin
        .get("/api/time-off")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
    // Pages by start, and the range filter.
    let page: Value = d
        .admin
        .get("/api/time-off?limit=1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["data"][0]["id"], mine["id"]);
    let next = page["next_cursor"].as_str().unwrap();
    let page2: Value = d
        .admin
        .get(&format!("/api/time-off?limit=1&cursor={next}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page2["data"][0]["id"], admins["id"]);
    assert!(page2["next_cursor"].is_null());
    let after = rfc(start + Duration::hours(12));
    let later: Value = d
        .admin
        .get(&format!("/api/time-off?from={after}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(later["data"].as_array().unwrap().len(), 1);

    // Changing and removing are the admin's; a stale-free patch moves the end.
    let path = format!("/api/time-off/{}", mine["id"].as_str().unwrap());
    let resp = d
        .staff
        .patch(&path, json!({ "reason": null }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let patched: Value = d
        .admin
        .patch(
            &path,
            json!({ "reason": null, "ends_at": rfc(start + Duration::hours(4)) }),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(patched["reason"].is_null());
    assert_eq!(patched["ends_at"], rfc(start + Duration::hours(4)));
    let resp = d
        .admin
        .patch(&path, json!({ "ends_at": rfc(start - Duration::hours(1)) }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;

    // Another clinic gets 404 on every route of this entry and lists nothing of it.
    assert_cross_tenant_404(&other.admin, Method::GET, &path, None).await;
    assert_cross_tenant_404(
        &other.admin,
        Method::PATCH,
        &path,
        Some(json!({ "reason": "x" })),
    )
    .await;
    assert_cross_tenant_404(&other.admin, Method::DELETE, &path, None).await;
    let foreign: Value = other
        .admin
        .get("/api/time-off")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(foreign["data"].as_array().unwrap().is_empty());

    assert_eq!(d.admin.delete(&path).send().await.unwrap().status(), 204);
    assert_problem(d.admin.get(&path).send().await.unwrap(), 404, "not_found").await;
    assert_problem(
        d.admin.delete(&path).send().await.unwrap(),
        404,
        "not_found",
    )
    .await;
}
