//! Home, inbox and settings: exact counts and items for seeded data.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use chrono::{TimeZone, Utc};
use domain::CompanyId;
use domain::ports::reads::ReadModels;
use infra_postgres::reads::PgReads;
use serde_json::{Value, json};
use support::{TestApp, assert_problem};

async fn seed_client(app: &TestApp, company: uuid::Uuid, n: u32) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    app.sql(&format!(
        "INSERT INTO clients (id, company_id, name, phone) VALUES ('{id}', '{company}', 'Paciente {n}', '+55119{:08}')",
        10_000_000 + n
    ))
    .await;
    id
}

#[tokio::test]
async fn today_is_the_clinics_local_day() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica SP").await;
    let c = clinic.company_id;
    let client = seed_client(&app, c, 1).await;
    let service = uuid::Uuid::now_v7();
    app.sql(&format!("INSERT INTO services (id, company_id, name, price_cents, duration_minutes) VALUES ('{service}', '{c}', 'Consulta', 100, 30)")).await;
    // "Now" is 2026-03-11 02:30 UTC = 2026-03-10 23:30 in São Paulo (UTC-3).
    let appt = |at: &str, status: &str| {
        format!(
            "INSERT INTO appointments (company_id, client_id, service_id, starts_at, ends_at, status)
             VALUES ('{c}', '{client}', '{service}', '{at}', '{at}'::timestamptz + interval '30 minutes', '{status}');"
        )
    };
    app.sql(
        &[
            appt("2026-03-10T09:00:00-03:00", "scheduled"), // today, morning
            appt("2026-03-10T23:30:00-03:00", "confirmed"), // today, 23:30 local (tomorrow in UTC)
            appt("2026-03-10T10:00:00-03:00", "canceled"),  // today but canceled
            appt("2026-03-09T23:59:00-03:00", "completed"), // yesterday
            appt("2026-03-11T00:00:00-03:00", "scheduled"), // tomorrow, local midnight
        ]
        .concat(),
    )
    .await;
    let reads = PgReads::new(app.db.db.clone());
    let now = Utc.with_ymd_and_hms(2026, 3, 11, 2, 30, 0).unwrap();
    let home = reads.home(CompanyId(c), now).await.unwrap();
    assert_eq!(home.appointments_today, 2);
    // In UTC the same instant is already the 11th: a clinic in UTC sees only the midnight one.
    app.sql(&format!(
        "UPDATE settings SET timezone = 'UTC' WHERE company_id = '{c}'"
    ))
    .await;
    // Then "today" is the 11th: the 23:30 local one (02:30 UTC) and the local-midnight one (03:00 UTC).
    assert_eq!(
        reads
            .home(CompanyId(c), now)
            .await
            .unwrap()
            .appointments_today,
        2
    );
}

#[tokio::test]
async fn home_and_inbox_return_exactly_what_was_seeded() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let other = app.clinic("Clínica B").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let admin = app.sign_in_as(&clinic.admin).await;
    // Three active threads with 2, 0 and 5 unread; one closed thread with 4 unread (not counted).
    let mut threads = Vec::new();
    for (n, unread) in [(1, 2), (2, 0), (3, 5), (4, 4)] {
        let client = seed_client(&app, clinic.company_id, n).await;
        for i in 0..unread.max(1) {
            let direction = if unread == 0 { "outbound" } else { "inbound" };
            let body = json!({"client_id": client, "channel": if n == 3 { "instagram" } else { "whatsapp" },
                              "direction": direction, "text": format!("mensagem {i} do paciente {n}")});
            let resp = admin.post("/api/interactions", body).send().await.unwrap();
            assert_eq!(resp.status(), 201);
        }
        threads.push(client);
    }
    let closed: Value = admin
        .get(&format!("/api/conversations?client_id={}", threads[3]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let closed_id = closed["data"][0]["id"].as_str().unwrap();
    admin
        .patch(&format!("/api/conversations/{closed_id}/close"), json!({}))
        .send()
        .await
        .unwrap();
    // Noise in another clinic.
    let b_client = seed_client(&app, other.company_id, 9).await;
    let b_admin = app.sign_in_as(&other.admin).await;
    b_admin.post("/api/interactions", json!({"client_id": b_client, "channel": "whatsapp", "direction": "inbound", "text": "x"})).send().await.unwrap();

    let home: Value = staff
        .get("/api/summary/home")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(home["open_conversations_count"], 3);
    assert_eq!(home["unread_inbound_count"], 7);
    assert_eq!(home["appointments_today_count"], 0);
    assert_eq!(home["quick_actions"][0]["label"], "Novo agendamento");

    let inbox: Value = staff
        .get("/api/inbox/summary")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rows = inbox["data"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0]["client"]["name"], "Paciente 3",
        "most recent message first"
    );
    assert_eq!(rows[0]["unread_count"], 5);
    assert_eq!(rows[0]["channel"], "instagram");
    assert_eq!(
        rows[0]["last_message"]["snippet"],
        "mensagem 4 do paciente 3"
    );
    assert_eq!(rows[0]["last_message"]["direction"], "inbound");
    let unread: Value = staff
        .get("/api/inbox/summary?unread_only=true")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unread["data"].as_array().unwrap().len(), 2);
    let ig: Value = staff
        .get("/api/inbox/summary?channel=instagram")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ig["data"].as_array().unwrap().len(), 1);
    let resp = staff
        .get("/api/inbox/summary?channel=telex")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
}

#[tokio::test]
async fn the_inbox_pages_through_500_active_conversations_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Grande").await;
    let c = clinic.company_id;
    // Bulk seed: 500 clients with an active thread each; some share a sort time (tie-break on id).
    app.sql(&format!(
        "INSERT INTO clients (id, company_id, name)
           SELECT gen_random_uuid(), '{c}', 'P' || g FROM generate_series(1, 500) g;
         INSERT INTO conversation_threads (company_id, client_id, channel, started_at, sort_at, last_message_at)
           SELECT '{c}', id, 'whatsapp', now() - interval '1 day', now() - (row_number() OVER () / 3) * interval '1 minute',
                  now() - (row_number() OVER () / 3) * interval '1 minute'
             FROM clients WHERE company_id = '{c}';"
    ))
    .await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let mut seen = std::collections::HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/api/inbox/summary?limit=77&cursor={cur}"),
            None => "/api/inbox/summary?limit=77".to_owned(),
        };
        let page: Value = staff.get(&path).send().await.unwrap().json().await.unwrap();
        pages += 1;
        for row in page["data"].as_array().unwrap() {
            assert!(
                seen.insert(row["conversation_id"].as_str().unwrap().to_owned()),
                "repeat"
            );
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 500);
    assert_eq!(pages, 7);
}

#[tokio::test]
async fn settings_are_read_by_members_and_changed_by_admins_only() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let other = app.clinic("Clínica B").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let s: Value = staff
        .get("/api/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["timezone"], "America/Sao_Paulo");
    assert_eq!(s["locale"], "pt-BR");
    assert_eq!(s["conversation_window_hours"], 24);
    let resp = staff
        .patch("/api/settings", json!({"locale": "en-US"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let bad = admin
        .patch("/api/settings", json!({"working_hours": {"mon": [{"start": "12:00", "end": "08:00"}]}, "timezone": "Nowhere/City", "contact_email": "x"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad, 422, "validation_failed").await;
    let fields: Vec<_> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        fields.contains(&"working_hours.mon[0]".to_owned())
            && fields.contains(&"timezone".to_owned())
            && fields.contains(&"contact_email".to_owned()),
        "{fields:?}"
    );
    let unchanged: Value = admin
        .get("/api/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unchanged, s, "an invalid patch changes nothing");
    let ok: Value = admin
        .patch(
            "/api/settings",
            json!({"working_hours": {"mon": [{"start": "08:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]},
                   "contact_phone": "(11) 3333-4444", "logo_url": "https://cdn.clinica.com/logo.png",
                   "timezone": "America/Manaus", "conversation_window_hours": 48}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["contact_phone"], "+551133334444");
    assert_eq!(ok["timezone"], "America/Manaus");
    let again: Value = staff
        .get("/api/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, ok, "valid settings persist");
    assert_eq!(again["locale"], "pt-BR", "fields not given are kept");
    // Another clinic's settings are its own.
    let b = app.sign_in_as(&other.admin).await;
    let theirs: Value = b
        .get("/api/settings")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["timezone"], "America/Sao_Paulo");
}

#[tokio::test]
async fn the_profile_shows_the_client_activity_appointments_and_stats() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let other = app.clinic("Clínica B").await;
    let c = clinic.company_id;
    let admin = app.sign_in_as(&clinic.admin).await;
    let client = seed_client(&app, c, 7).await;
    app.sql(&format!(
        "INSERT INTO client_identities (company_id, client_id, channel, external_id) VALUES ('{c}', '{client}', 'whatsapp', '5511910000007')"
    ))
    .await;
    for i in 0..12 {
        let resp = admin
            .post("/api/interactions", json!({"client_id": client, "channel": "whatsapp", "direction": "inbound", "text": format!("m{i}"), "external_id": format!("w{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    let service = uuid::Uuid::now_v7();
    app.sql(&format!("INSERT INTO services (id, company_id, name, price_cents, duration_minutes) VALUES ('{service}', '{c}', 'Limpeza', 100, 30)")).await;
    let appt = |offset: &str, status: &str| {
        format!(
            "INSERT INTO appointments (company_id, client_id, service_id, starts_at, ends_at, status)
             VALUES ('{c}', '{client}', '{service}', now() + interval '{offset}', now() + interval '{offset}' + interval '30 minutes', '{status}');"
        )
    };
    app.sql(
        &[
            appt("-30 days", "completed"),
            appt("-20 days", "completed"),
            appt("-10 days", "no_show"),
            appt("-5 days", "canceled"),
            appt("2 days", "scheduled"),
            appt("3 days", "canceled"),
            appt("4 days", "confirmed"),
        ]
        .concat(),
    )
    .await;
    let p: Value = admin
        .get(&format!("/api/clients/{client}/profile"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(p["client"]["id"], client.to_string());
    assert_eq!(p["client"]["identities"].as_array().unwrap().len(), 1);
    assert!(p["latest_snapshot"].is_null());
    let recent = p["recent_interactions"].as_array().unwrap();
    assert_eq!(recent.len(), 10);
    assert_eq!(recent[0]["text"], "m11", "newest first");
    assert_eq!(p["recent_conversations"].as_array().unwrap().len(), 1);
    let upcoming = p["upcoming_appointments"].as_array().unwrap();
    assert_eq!(upcoming.len(), 2);
    assert_eq!(upcoming[0]["status"], "scheduled");
    assert_eq!(upcoming[0]["service_name"], "Limpeza");
    assert_eq!(
        p["stats"]["appointments_total"], 5,
        "all non-canceled, past and future"
    );
    assert_eq!(p["stats"]["no_show_count"], 1);
    assert!(p["stats"]["last_visit_at"].is_string());
    let b = app.sign_in_as(&other.admin).await;
    support::assert_cross_tenant_404(
        &b,
        reqwest::Method::GET,
        &format!("/api/clients/{client}/profile"),
        None,
    )
    .await;
}
