//! `GET /api/availability` over HTTP against real PostgreSQL time zones: DST changes in São
//! Paulo's history (2018) and in New York's current rules, midnight, breaks, time off, buffers,
//! overlapping professionals, range limits, and "a returned slot books".

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::agenda_support::{desk, rfc, spawn_at, time, week};
use crate::support::{TestApp, assert_problem};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

#[tokio::test]
async fn sao_paulo_2018_dst_start_and_end_give_each_day_its_real_hours() {
    let app = spawn_at(utc(2018, 1, 1, 0, 0)).await;
    let hours = week(&[
        ("fri", &[("08:00", "09:00")]),
        ("sat", &[("08:00", "09:00"), ("21:00", "23:30")]),
        ("sun", &[("00:00", "03:00")]),
        ("mon", &[("08:00", "09:00")]),
    ]);
    let d = desk(&app, "SP", "America/Sao_Paulo", &hours, (0, 30, 30)).await;
    let pro = d.clinic.admin.user_id;
    d.schedule(pro, &hours).await;

    // Spring forward: Sunday 2018-11-04, 00:00 -03 became 01:00 -02. Saturday is still -03,
    // Monday already -02; Sunday 00:00-03:00 local (00:00 does not exist) is 03:00Z-05:00Z.
    let got = d
        .starts(Some(pro), utc(2018, 11, 3, 0, 0), utc(2018, 11, 6, 0, 0))
        .await;
    let expected = vec![
        utc(2018, 11, 3, 11, 0),
        utc(2018, 11, 3, 11, 30),
        utc(2018, 11, 4, 0, 0),
        utc(2018, 11, 4, 0, 30),
        utc(2018, 11, 4, 1, 0),
        utc(2018, 11, 4, 1, 30),
        utc(2018, 11, 4, 2, 0),
        utc(2018, 11, 4, 3, 0),
        utc(2018, 11, 4, 3, 30),
        utc(2018, 11, 4, 4, 0),
        utc(2018, 11, 4, 4, 30),
        utc(2018, 11, 5, 10, 0),
        utc(2018, 11, 5, 10, 30),
    ];
    assert_eq!(got, expected);

    // Fall back: at 2018-02-18 00:00 -02 clocks went back to 2018-02-17 23:00 -03. Saturday
    // 21:00 (-02, 23:00Z) to 23:30 (the later one, -03, 02:30Z) is three and a half real hours:
    // seven 30-minute slots, the repeated hour offered twice. Friday is -02, Monday -03.
    let got = d
        .starts(Some(pro), utc(2018, 2, 16, 0, 0), utc(2018, 2, 20, 0, 0))
        .await;
    let mut expected = vec![
        utc(2018, 2, 16, 10, 0),
        utc(2018, 2, 16, 10, 30),
        utc(2018, 2, 17, 10, 0),
        utc(2018, 2, 17, 10, 30),
        utc(2018, 2, 17, 23, 0),
        utc(2018, 2, 17, 23, 30),
    ];
    expected.extend((0..5).map(|i| utc(2018, 2, 18, 0, 0) + Duration::minutes(30 * i)));
    expected.extend((0..6).map(|i| utc(2018, 2, 18, 3, 0) + Duration::minutes(30 * i)));
    expected.extend([utc(2018, 2, 19, 11, 0), utc(2018, 2, 19, 11, 30)]);
    assert_eq!(got, expected);
}

#[tokio::test]
async fn new_york_2026_dst_changes_shorten_and_lengthen_the_night() {
    let app = spawn_at(utc(2026, 1, 1, 0, 0)).await;
    let hours = week(&[
        ("fri", &[("09:00", "10:00")]),
        ("sun", &[("00:00", "04:00")]),
        ("mon", &[("09:00", "10:00")]),
    ]);
    let d = desk(&app, "NY", "America/New_York", &hours, (0, 60, 60)).await;
    let pro = d.clinic.staff.user_id;
    d.schedule(pro, &hours).await;

    // 2026-03-08 02:00 EST became 03:00 EDT: Sunday 00:00-04:00 is three real hours.
    let got = d
        .starts(None, utc(2026, 3, 6, 0, 0), utc(2026, 3, 10, 0, 0))
        .await;
    assert_eq!(
        got,
        [
            utc(2026, 3, 6, 14, 0),
            utc(2026, 3, 8, 5, 0),
            utc(2026, 3, 8, 6, 0),
            utc(2026, 3, 8, 7, 0),
            utc(2026, 3, 9, 13, 0),
        ]
    );
    // 2026-11-01 02:00 EDT went back to 01:00 EST: Sunday 00:00-04:00 is five real hours.
    let got = d
        .starts(None, utc(2026, 10, 30, 0, 0), utc(2026, 11, 3, 0, 0))
        .await;
    let mut expected = vec![utc(2026, 10, 30, 13, 0)];
    expected.extend((4..9).map(|h| utc(2026, 11, 1, h, 0)));
    expected.push(utc(2026, 11, 2, 14, 0));
    assert_eq!(got, expected);
}

#[tokio::test]
async fn the_local_day_decides_across_midnight_and_the_range_is_in_instants() {
    let app = spawn_at(utc(2026, 1, 1, 0, 0)).await;
    let hours = week(&[("sat", &[("20:00", "23:00")])]);
    let d = desk(&app, "Noite", "America/Sao_Paulo", &hours, (0, 60, 60)).await;
    let pro = d.clinic.admin.user_id;
    d.schedule(pro, &hours).await;
    // Saturday 2026-03-14 20:00-23:00 in São Paulo is 23:00Z Saturday to 02:00Z Sunday: a range
    // covering the UTC Sunday gets the two slots after UTC midnight, from Saturday's hours.
    let got = d
        .starts(Some(pro), utc(2026, 3, 15, 0, 0), utc(2026, 3, 16, 0, 0))
        .await;
    assert_eq!(got, [utc(2026, 3, 15, 0, 0), utc(2026, 3, 15, 1, 0)]);
    let all = d
        .starts(Some(pro), utc(2026, 3, 14, 0, 0), utc(2026, 3, 16, 0, 0))
        .await;
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn breaks_time_off_buffers_and_overlapping_professionals() {
    let app = spawn_at(utc(2026, 1, 1, 0, 0)).await;
    let clinic_hours = week(&[("mon", &[("08:00", "12:00"), ("13:00", "17:00")])]);
    let d = desk(
        &app,
        "Agenda",
        "America/Sao_Paulo",
        &clinic_hours,
        (15, 15, 30),
    )
    .await;
    let (a, b) = (d.clinic.admin.user_id, d.clinic.staff.user_id);
    d.schedule(a, &week(&[("mon", &[("08:00", "17:00")])]))
        .await;
    d.schedule(b, &week(&[("mon", &[("10:00", "15:00")])]))
        .await;
    // Monday 2026-06-01, UTC-3: A has an appointment 09:00-09:30; B is off 13:00-14:00.
    let local = |h: u32, m: u32| utc(2026, 6, 1, h + 3, m);
    assert_eq!(d.book(a, local(9, 0)).await.status(), 201);
    let resp = d
        .admin
        .post(
            "/api/time-off",
            json!({ "user_id": b, "starts_at": rfc(local(13, 0)), "ends_at": rfc(local(14, 0)),
                    "reason": "Médico" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);

    let steps = |from: (u32, u32), to: (u32, u32)| {
        let (start, end) = (local(from.0, from.1), local(to.0, to.1));
        (0..)
            .map(move |i| start + Duration::minutes(15 * i))
            .take_while(move |t| *t <= end)
            .collect::<Vec<_>>()
    };
    // A: the lunch break splits the day; 08:15 ends with its buffer exactly at 09:00; the next
    // start after the appointment is 09:45 (its end plus the buffer).
    let mut a_expected = steps((8, 0), (8, 15));
    a_expected.extend(steps((9, 45), (11, 30)));
    a_expected.extend(steps((13, 0), (16, 30)));
    let (from, to) = (utc(2026, 6, 1, 0, 0), utc(2026, 6, 2, 0, 0));
    assert_eq!(d.starts(Some(a), from, to).await, a_expected);
    // B: only where both the clinic and B are open, minus the time off (no buffer around it);
    // A's appointment does not touch B.
    let mut b_expected = steps((10, 0), (11, 30));
    b_expected.extend(steps((14, 0), (14, 30)));
    assert_eq!(d.starts(Some(b), from, to).await, b_expected);
    // Without a professional: both agendas, by start then member.
    let mut both: Vec<(DateTime<Utc>, uuid::Uuid)> = a_expected
        .iter()
        .map(|t| (*t, a))
        .chain(b_expected.iter().map(|t| (*t, b)))
        .collect();
    both.sort();
    assert_eq!(d.slots(None, from, to).await, both);

    // A member without a schedule is not offered; a disabled member neither.
    let resp = d
        .admin
        .request(reqwest::Method::DELETE, &format!("/api/schedules/{b}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(d.starts(Some(b), from, to).await.is_empty());
    app.sql(&format!(
        "UPDATE users SET status = 'disabled' WHERE id = '{a}'"
    ))
    .await;
    assert!(d.slots(None, from, to).await.is_empty());
}

#[tokio::test]
async fn ranges_are_bounded_and_bad_queries_name_their_parameter() {
    let app = spawn_at(utc(2026, 1, 1, 0, 0)).await;
    let hours = week(&[("mon", &[("08:00", "12:00")])]);
    let d = desk(&app, "Limites", "America/Sao_Paulo", &hours, (0, 15, 30)).await;
    let other = desk(&app, "Outra", "America/Sao_Paulo", &hours, (0, 15, 30)).await;
    let from = utc(2026, 6, 1, 0, 0);
    assert_eq!(
        d.availability(None, from, from + Duration::days(31))
            .await
            .status(),
        200
    );
    for to in [
        from + Duration::days(31) + Duration::minutes(1),
        from,
        from - Duration::hours(1),
    ] {
        let body = assert_problem(
            d.availability(None, from, to).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "to", "{body}");
    }
    let fields = |body: &Value| -> Vec<String> {
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    };
    let resp = d
        .staff
        .get("/api/availability?service_id=nope&from=yesterday")
        .send()
        .await
        .unwrap();
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(fields(&body), ["service_id", "from", "to"]);
    let resp = d
        .staff
        .get("/api/availability?service_id=1&limit=5")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);

    // Another clinic's service and member are unknown here, worded as if they did not exist.
    let q = format!(
        "/api/availability?service_id={}&user_id={}&from={}&to={}",
        other.service,
        other.clinic.admin.user_id,
        rfc(from),
        rfc(from + Duration::days(1))
    );
    let body = assert_problem(
        d.staff.get(&q).send().await.unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&body), ["service_id", "user_id"]);
    assert_eq!(body["errors"][0]["message"], "no such service");
    // An inactive service offers nothing.
    let resp = d
        .admin
        .patch(
            &format!("/api/services/{}", d.service),
            json!({ "active": false }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body = assert_problem(
        d.availability(None, from, from + Duration::days(1)).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["message"], "the service is not active");
}

#[tokio::test]
async fn a_returned_slot_books_and_booking_applies_the_same_buffer() {
    let app = TestApp::spawn().await;
    let every_day: Vec<(&str, &[(&str, &str)])> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .into_iter()
        .map(|day| (day, &[("08:00", "18:00")][..]))
        .collect();
    let hours = week(&every_day);
    let d = desk(&app, "Reserva", "America/Sao_Paulo", &hours, (10, 15, 30)).await;
    let pro = d.clinic.admin.user_id;
    d.schedule(pro, &hours).await;
    // One whole local day, two days from now (São Paulo is UTC-3 all year since 2019): the
    // slots are the same whatever the time of day the test runs at.
    let day = (Utc::now() + Duration::days(2)).date_naive();
    let from = day.and_hms_opt(3, 0, 0).unwrap().and_utc();
    let to = from + Duration::days(1);

    // Greedily book the earliest returned slot five times: every one books.
    let mut booked = Vec::new();
    for _ in 0..5 {
        let first = d.starts(Some(pro), from, to).await[0];
        let resp = d.book(pro, first).await;
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
        booked.push(first);
    }
    // Nothing returned now conflicts with a booking, buffer included.
    let buffer = Duration::minutes(10);
    let slots = d.starts(Some(pro), from, to).await;
    for s in &slots {
        for b in &booked {
            let (s_end, b_end) = (*s + Duration::minutes(30), *b + Duration::minutes(30));
            assert!(
                *s >= b_end + buffer || s_end + buffer <= *b,
                "{s} conflicts with {b}"
            );
        }
    }
    // Booking inside a buffer is refused with `slot_taken`, though it overlaps nothing.
    let last = *booked.last().unwrap();
    let resp = d.book(pro, last + Duration::minutes(30)).await;
    assert_problem(resp, 409, "slot_taken").await;
    let resp = d.book(pro, last + Duration::minutes(35)).await;
    assert_problem(resp, 409, "slot_taken").await;
    // Moving a booking into another's buffer is refused too.
    let appointments: Value = d
        .staff
        .get(&format!(
            "/api/appointments?user_id={pro}&from={}",
            rfc(from)
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first_id = appointments["data"][0]["id"].as_str().unwrap().to_owned();
    let resp = d
        .staff
        .patch(
            &format!("/api/appointments/{first_id}"),
            json!({ "starts_at": rfc(last + Duration::minutes(35)) }),
        )
        .send()
        .await
        .unwrap();
    assert_problem(resp, 409, "slot_taken").await;
    // The next returned slot is the first after the buffer, and it books.
    let next = d.starts(Some(pro), from, to).await[0];
    assert_eq!(next, last + Duration::minutes(45));
    assert_eq!(d.book(pro, next).await.status(), 201);

    // Two members booking the same returned slot at once: one wins, the other gets `slot_taken`.
    let contested = d.starts(Some(pro), from, to).await[0];
    let (r1, r2) = tokio::join!(d.book(pro, contested), d.book(pro, contested));
    let mut codes = [r1.status().as_u16(), r2.status().as_u16()];
    codes.sort_unstable();
    assert_eq!(codes, [201, 409]);

    // Without a buffer, the time right after an appointment is offered and books.
    let resp = d
        .admin
        .patch("/api/settings", json!({ "buffer_minutes": 0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let after = contested + Duration::minutes(30);
    assert!(d.starts(Some(pro), from, to).await.contains(&after));
    assert_eq!(d.book(pro, after).await.status(), 201);
    let json_slot = d
        .availability(Some(pro), from, to)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(json_slot["buffer_minutes"], 0);
    assert_eq!(json_slot["timezone"], "America/Sao_Paulo");
    assert!(
        time(&json_slot["slots"][0]["ends_at"]) - time(&json_slot["slots"][0]["starts_at"])
            == Duration::minutes(30)
    );
}
