//! `GET /api/reports/overview` on a fixture with known answers: every figure, the period read
//! in the clinic's time zone (rows a minute either side of local midnight), another clinic's rows
//! never counted, the CSV tables, admin only, and bad periods.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{Clinic, TestApp, assert_problem};
use serde_json::{Value, json};
use uuid::Uuid;

/// A message of the fixture: direction, time, sender (SQL), deleted.
type Message<'a> = (&'a str, &'a str, &'a str, bool);
/// A conversation of the fixture: client, channel, start, end, closed by (SQL), reason, messages.
type Thread<'a> = (
    Uuid,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    &'a str,
    Vec<Message<'a>>,
);

fn id() -> Uuid {
    Uuid::now_v7()
}

/// The ids of one clinic's fixture.
struct Fixture {
    clinic: Clinic,
    s1: Uuid,
    s2: Uuid,
}

/// One clinic (São Paulo, UTC-3 all of 2025) with the appointments, snapshots, conversations,
/// messages and payments whose figures for March 2025 the test knows.
async fn fixture(app: &TestApp, name: &str) -> Fixture {
    let clinic = app.clinic(name).await;
    let co = clinic.company_id;
    let (admin, staff) = (clinic.admin.user_id, clinic.staff.user_id);
    let (c1, c2, c3, s1, s2) = (id(), id(), id(), id(), id());
    let mut sql = format!(
        "INSERT INTO clients (id, company_id, name) VALUES ('{c1}', '{co}', 'C1'), ('{c2}', '{co}', 'C2'), ('{c3}', '{co}', 'C3');
         INSERT INTO services (id, company_id, name, price_cents, duration_minutes)
              VALUES ('{s1}', '{co}', 'Avaliação', 100, 30), ('{s2}', '{co}', '=Limpeza', 100, 30);"
    );
    // (start, professional, service, client, status)
    let appointments = [
        ("2025-03-01 03:30+00", Some(admin), s1, c1, "completed"), // 00:30 local, March 1st
        ("2025-03-01 02:30+00", Some(admin), s1, c1, "no_show"),   // 23:30 local, February 28th
        ("2025-04-01 02:30+00", Some(staff), s2, c2, "no_show"),   // 23:30 local, March 31st
        ("2025-04-01 03:30+00", Some(staff), s2, c2, "no_show"),   // 00:30 local, April 1st
        ("2025-03-10 13:00+00", Some(admin), s1, c1, "no_show"),
        ("2025-03-11 13:00+00", Some(admin), s2, c3, "completed"),
        ("2025-03-12 13:00+00", None, s1, c3, "no_show"),
        ("2025-03-13 13:00+00", Some(staff), s1, c2, "canceled"),
        ("2025-03-20 13:00+00", Some(staff), s2, c1, "scheduled"),
        ("2025-03-21 13:00+00", Some(admin), s1, c2, "confirmed"),
    ];
    for (at, user, service, client, status) in appointments {
        let user = user.map_or("NULL".to_owned(), |u| format!("'{u}'"));
        sql.push_str(&format!(
            "INSERT INTO appointments (company_id, client_id, service_id, user_id, starts_at, ends_at, status)
             VALUES ('{co}', '{client}', '{service}', {user}, '{at}', timestamptz '{at}' + interval '30 minutes', '{status}');"
        ));
    }
    // The analyst's risk: the latest snapshot before each appointment counts.
    for (client, at, risk) in [
        (c1, "2025-03-05 12:00+00", "high"),
        (c1, "2025-03-15 12:00+00", "low"),
        (c2, "2025-02-01 12:00+00", "medium"),
        (c3, "2025-03-11 14:00+00", "low"),
    ] {
        sql.push_str(&format!(
            "INSERT INTO ai_context_snapshots (company_id, client_id, summary, flags, trigger, analyzer, locale, input_message_count, created_at)
             VALUES ('{co}', '{client}', 'Resumo', '{{\"no_show_risk\": \"{risk}\", \"sentiment\": \"neutral\", \"preferences\": [], \"objections\": [], \"topics\": []}}',
                     'manual', 'heuristic-v1', 'pt-BR', 1, '{at}');"
        ));
    }
    // Conversations: (client, channel, started, ended, closed_by, reason, messages).
    let staff_s = format!("'{staff}'");
    let admin_s = format!("'{admin}'");
    let threads: [Thread<'_>; 5] = [
        // T1: answered in 10 minutes by staff, closed by the admin after 2 hours.
        (
            c1,
            "whatsapp",
            "2025-03-05 12:00+00",
            Some("2025-03-05 14:00+00"),
            &admin_s,
            "resolvido",
            vec![
                ("inbound", "2025-03-05 12:00+00", "NULL", false),
                ("outbound", "2025-03-05 12:10+00", &staff_s, false),
                ("outbound", "2025-03-05 12:11+00", &staff_s, true),
            ],
        ),
        // T2: answered in 30 minutes by the admin; closed because the window expired.
        (
            c2,
            "instagram",
            "2025-03-06 12:00+00",
            Some("2025-03-08 12:00+00"),
            "NULL",
            "window_expired",
            vec![
                ("inbound", "2025-03-06 12:00+00", "NULL", false),
                ("inbound", "2025-03-06 12:05+00", "NULL", false),
                ("outbound", "2025-03-06 12:30+00", &admin_s, false),
            ],
        ),
        // T3: never answered, still open; one more message at 23:30 local on March 31st, one at
        // 00:30 local on April 1st.
        (
            c3,
            "whatsapp",
            "2025-03-07 12:00+00",
            None,
            "NULL",
            "",
            vec![
                ("inbound", "2025-03-07 12:00+00", "NULL", false),
                ("inbound", "2025-04-01 02:30+00", "NULL", false),
                ("inbound", "2025-04-01 03:30+00", "NULL", false),
            ],
        ),
        // T4: started in February: not measured, its messages not counted.
        (
            c1,
            "whatsapp",
            "2025-02-27 12:00+00",
            Some("2025-02-27 13:00+00"),
            &staff_s,
            "ok",
            vec![
                ("inbound", "2025-02-27 12:00+00", "NULL", false),
                ("outbound", "2025-02-27 12:01+00", &staff_s, false),
            ],
        ),
        // T5: the clinic wrote first; the patient's first message was answered 30 minutes later by
        // an API integration (no member); closed by staff after an hour.
        (
            c2,
            "whatsapp",
            "2025-03-08 12:00+00",
            Some("2025-03-08 13:00+00"),
            &staff_s,
            "agendado",
            vec![
                ("outbound", "2025-03-08 12:00+00", &staff_s, false),
                ("inbound", "2025-03-08 12:20+00", "NULL", false),
                ("outbound", "2025-03-08 12:50+00", "NULL", false),
            ],
        ),
    ];
    for (client, channel, started, ended, closed_by, reason, messages) in threads {
        let t = id();
        let (status, ended, reason, closed_by) = match ended {
            Some(e) => (
                "closed",
                format!("'{e}'"),
                format!("'{reason}'"),
                closed_by.to_owned(),
            ),
            None => (
                "active",
                "NULL".to_owned(),
                "NULL".to_owned(),
                "NULL".to_owned(),
            ),
        };
        sql.push_str(&format!(
            "INSERT INTO conversation_threads (id, company_id, client_id, status, channel, started_at, ended_at, close_reason, closed_by, sort_at)
             VALUES ('{t}', '{co}', '{client}', '{status}', '{channel}', '{started}', {ended}, {reason}, {closed_by}, '{started}');"
        ));
        for (direction, at, by, deleted) in messages {
            let status = if direction == "inbound" {
                "received"
            } else {
                "sent"
            };
            let deleted = if deleted {
                format!("'{at}'")
            } else {
                "NULL".to_owned()
            };
            sql.push_str(&format!(
                "INSERT INTO interactions (company_id, conversation_id, client_id, channel, direction, text, status, sent_by_user_id, occurred_at, deleted_at)
                 VALUES ('{co}', '{t}', '{client}', '{channel}', '{direction}', 'oi', '{status}', {by}, '{at}', {deleted});"
            ));
        }
    }
    // Payments: (client, cents, currency, status, method, paid_at).
    for (client, cents, currency, status, method, paid_at) in [
        (
            c1,
            10_000,
            "BRL",
            "paid",
            "pix",
            Some("2025-03-02 12:00+00"),
        ),
        (
            c2,
            5_000,
            "BRL",
            "paid",
            "cash",
            Some("2025-04-01 02:30+00"),
        ),
        (c3, 7_000, "BRL", "paid", "pix", Some("2025-04-01 03:30+00")),
        (
            c1,
            2_000,
            "USD",
            "paid",
            "credit_card",
            Some("2025-03-03 12:00+00"),
        ),
        (c2, 3_000, "BRL", "pending", "pix", None),
        (
            c2,
            4_000,
            "BRL",
            "refunded",
            "pix",
            Some("2025-03-04 12:00+00"),
        ),
    ] {
        let paid_at = paid_at.map_or("NULL".to_owned(), |p| format!("'{p}'"));
        sql.push_str(&format!(
            "INSERT INTO payments (company_id, client_id, amount_cents, currency, status, method, paid_at)
             VALUES ('{co}', '{client}', {cents}, '{currency}', '{status}', '{method}', {paid_at});"
        ));
    }
    app.sql(&sql).await;
    Fixture { clinic, s1, s2 }
}

const MARCH: &str = "/api/reports/overview?from=2025-03-01&to=2025-03-31";

#[tokio::test]
async fn every_figure_matches_the_fixture_and_another_clinic_is_never_counted() {
    let app = TestApp::spawn().await;
    let a = fixture(&app, "A").await;
    let b = fixture(&app, "B").await;
    // B holds the same rows in March: A's figures equal one fixture exactly, so none of B's count.
    let admin = app.sign_in_as(&a.clinic.admin).await;
    let resp = admin.get(MARCH).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let o: Value = resp.json().await.unwrap();
    assert_eq!(o["timezone"], "America/Sao_Paulo");
    assert_eq!(
        (o["from"].as_str(), o["to"].as_str()),
        (Some("2025-03-01"), Some("2025-03-31"))
    );
    assert_eq!(
        o["appointments_by_status"],
        json!([{ "status": "scheduled", "count": 1 }, { "status": "confirmed", "count": 1 },
               { "status": "completed", "count": 2 }, { "status": "no_show", "count": 3 },
               { "status": "canceled", "count": 1 }])
    );
    let n = &o["no_show"];
    assert_eq!(
        n["overall"],
        json!({ "no_show": 3, "completed": 2, "rate": 0.6 })
    );
    let (admin_id, staff_id) = (a.clinic.admin.user_id, a.clinic.staff.user_id);
    assert_eq!(
        n["by_professional"],
        json!([
            { "user_id": admin_id, "name": "admin of A", "no_show": 1, "completed": 2, "rate": 1.0 / 3.0 },
            { "user_id": staff_id, "name": "staff of A", "no_show": 1, "completed": 0, "rate": 1.0 },
            { "user_id": null, "name": null, "no_show": 1, "completed": 0, "rate": 1.0 },
        ])
    );
    let services = n["by_service"].as_array().unwrap();
    assert_eq!(services.len(), 2);
    let service = |sid: Uuid| {
        services
            .iter()
            .find(|s| s["service_id"] == json!(sid))
            .unwrap()
    };
    assert_eq!(service(a.s1)["name"], "Avaliação");
    assert_eq!(
        (
            service(a.s1)["no_show"].as_u64(),
            service(a.s1)["completed"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(
        (
            service(a.s2)["no_show"].as_u64(),
            service(a.s2)["completed"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(
        n["by_risk"],
        json!([
            { "risk": "low", "no_show": 1, "completed": 0, "rate": 1.0 },
            { "risk": "medium", "no_show": 1, "completed": 0, "rate": 1.0 },
            { "risk": "high", "no_show": 1, "completed": 0, "rate": 1.0 },
            { "risk": "unknown", "no_show": 0, "completed": 2, "rate": 0.0 },
        ])
    );
    assert_eq!(
        n["by_confirmation"],
        json!([
            { "confirmation": "with_answer", "no_show": 0, "completed": 0, "rate": null },
            { "confirmation": "without_answer", "no_show": 3, "completed": 2, "rate": 0.6 },
        ])
    );
    assert_eq!(
        o["first_response"],
        json!({
            "overall": { "count": 3, "p50_seconds": 1800, "p90_seconds": 1800 }, "without": 1,
            "by_member": [
                { "user_id": admin_id, "name": "admin of A", "count": 1, "p50_seconds": 1800, "p90_seconds": 1800 },
                { "user_id": staff_id, "name": "staff of A", "count": 1, "p50_seconds": 600, "p90_seconds": 600 },
                { "user_id": null, "name": null, "count": 1, "p50_seconds": 1800, "p90_seconds": 1800 },
            ],
            "by_channel": [
                { "channel": "instagram", "count": 1, "p50_seconds": 1800, "p90_seconds": 1800 },
                { "channel": "whatsapp", "count": 2, "p50_seconds": 600, "p90_seconds": 1800 },
            ]
        })
    );
    assert_eq!(
        o["resolution"],
        json!({
            "overall": { "count": 2, "p50_seconds": 3600, "p90_seconds": 7200 }, "without": 2,
            "by_member": [
                { "user_id": admin_id, "name": "admin of A", "count": 1, "p50_seconds": 7200, "p90_seconds": 7200 },
                { "user_id": staff_id, "name": "staff of A", "count": 1, "p50_seconds": 3600, "p90_seconds": 3600 },
            ],
            "by_channel": [{ "channel": "whatsapp", "count": 2, "p50_seconds": 3600, "p90_seconds": 7200 }]
        })
    );
    assert_eq!(
        o["messages_by_channel"],
        json!([{ "channel": "instagram", "inbound": 2, "outbound": 1 },
               { "channel": "whatsapp", "inbound": 4, "outbound": 3 }])
    );
    assert_eq!(
        o["payments"],
        json!({
            "by_currency": [{ "currency": "BRL", "count": 2, "amount_cents": 15_000 },
                            { "currency": "USD", "count": 1, "amount_cents": 2_000 }],
            "by_method": [{ "method": "cash", "currency": "BRL", "count": 1, "amount_cents": 5_000 },
                          { "method": "pix", "currency": "BRL", "count": 1, "amount_cents": 10_000 },
                          { "method": "credit_card", "currency": "USD", "count": 1, "amount_cents": 2_000 }]
        })
    );

    // B's admin sees B's own fixture: the same shape with B's members, none of A's.
    let b_admin = app.sign_in_as(&b.clinic.admin).await;
    let ob: Value = b_admin
        .get(MARCH)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ob["no_show"]["overall"], n["overall"]);
    assert_eq!(
        ob["no_show"]["by_professional"][0]["user_id"],
        json!(b.clinic.admin.user_id)
    );
    assert!(!ob.to_string().contains(&admin_id.to_string()));

    // A month without data is all zeros, not an error.
    let empty: Value = admin
        .get("/api/reports/overview?from=2020-01-01&to=2020-01-31")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        empty["no_show"]["overall"],
        json!({ "no_show": 0, "completed": 0, "rate": null })
    );
    assert_eq!(empty["first_response"]["overall"]["count"], 0);
    assert!(empty["first_response"]["overall"]["p50_seconds"].is_null());
}

#[tokio::test]
async fn csv_tables_staff_and_bad_periods() {
    let app = TestApp::spawn().await;
    let a = fixture(&app, "A").await;
    let admin = app.sign_in_as(&a.clinic.admin).await;
    let csv = |table: &str| {
        admin
            .get(&format!("{MARCH}&table={table}"))
            .header("accept", "text/csv")
            .send()
    };
    let resp = csv("no_show_by_service").await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("no_show_by_service-2025-03-01-2025-03-31.csv")
    );
    let body = resp.text().await.unwrap();
    let mut lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.remove(0), "service_id,name,no_show,completed,rate");
    lines.sort_unstable();
    // The service named "=Limpeza" cannot start a formula in a spreadsheet.
    let mut expected = [
        format!("{},'=Limpeza,1,1,0.5000", a.s2),
        format!("{},Avaliação,2,1,0.6667", a.s1),
    ];
    expected.sort_unstable();
    assert_eq!(lines, expected);
    let body = csv("appointments_by_status")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        body,
        "status,count\r\nscheduled,1\r\nconfirmed,1\r\ncompleted,2\r\nno_show,3\r\ncanceled,1\r\n"
    );
    let body = csv("payments_by_method")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        body,
        "method,currency,count,amount_cents\r\ncash,BRL,1,5000\r\npix,BRL,1,10000\r\ncredit_card,USD,1,2000\r\n"
    );
    let body = csv("conversation_times")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        body,
        "kind,count,without,p50_seconds,p90_seconds\r\nfirst_response,3,1,1800,1800\r\nresolution,2,2,3600,7200\r\n"
    );
    for table in api_http::reports::csv::TABLES {
        let resp = csv(table).await.unwrap();
        assert_eq!(resp.status(), 200, "{table}");
    }

    // The table is required with CSV, must be known, and means nothing without it.
    let resp = admin
        .get(MARCH)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    let body = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "table");
    assert_problem(csv("passwords").await.unwrap(), 422, "validation_failed").await;
    let resp = admin
        .get(&format!("{MARCH}&table=appointments_by_status"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;

    // Periods: backwards, over 366 days, malformed, missing.
    for q in [
        "from=2025-03-31&to=2025-03-01",
        "from=2024-01-01&to=2025-01-01",
        "from=2025-02-30&to=2025-03-01",
        "to=2025-03-01",
    ] {
        let resp = admin
            .get(&format!("/api/reports/overview?{q}"))
            .send()
            .await
            .unwrap();
        assert_problem(resp, 422, "validation_failed").await;
    }
    let resp = admin
        .get("/api/reports/overview?from=2024-01-01&to=2024-12-31")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "a leap year of 366 days is allowed");

    // Staff (and staff tokens) may not read the clinic's numbers.
    let staff = app.sign_in_as(&a.clinic.staff).await;
    assert_problem(staff.get(MARCH).send().await.unwrap(), 403, "forbidden").await;
    let token = app.api_token(&admin, "staff").await;
    let resp = app
        .client
        .get(app.url(MARCH))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
}
