//! Conversation labels (issue 19, item 5) and the clients' `?tag=` filter over HTTP against
//! PostgreSQL: admins manage labels, any member attaches them, the inbox and the conversation
//! list filter by them, and another clinic can neither see nor use them (404, never 403).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use reqwest::Method;
use serde_json::{Value, json};
use support::{Session, TestApp, assert_cross_tenant_404, assert_problem};
use uuid::Uuid;

async fn json_of(resp: reqwest::Response, status: u16) -> Value {
    let code = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(code, status, "{body}");
    body
}

/// A new client of `company` with an active thread; returns the thread's id.
async fn thread(s: &Session, app: &TestApp, company: Uuid, name: &str) -> Uuid {
    let client = Uuid::now_v7();
    app.sql(&format!(
        "INSERT INTO clients (id, company_id, name) VALUES ('{client}', '{company}', '{name}')"
    ))
    .await;
    let started = json_of(
        s.post(
            "/api/conversations/start",
            json!({"client_id": client, "channel": "whatsapp"}),
        )
        .send()
        .await
        .unwrap(),
        201,
    )
    .await;
    started["id"].as_str().unwrap().parse().unwrap()
}

async fn create_label(s: &Session, name: &str, colour: &str) -> Value {
    json_of(
        s.post("/api/labels", json!({"name": name, "colour": colour}))
            .send()
            .await
            .unwrap(),
        201,
    )
    .await
}

fn ids(list: &Value, field: &str) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admins_manage_labels_and_staff_read_them() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let label = create_label(&admin, "  Retorno ", "#00AA00").await;
    assert_eq!(label["name"], "Retorno");
    assert_eq!(label["colour"], "#00aa00");
    let id = label["id"].as_str().unwrap();

    // Unique per clinic, ignoring case; colours are #rrggbb.
    let dup = admin
        .post(
            "/api/labels",
            json!({"name": "RETORNO", "colour": "#000000"}),
        )
        .send()
        .await
        .unwrap();
    assert_problem(dup, 409, "label_exists").await;
    let bad = admin
        .post(
            "/api/labels",
            json!({"name": "Urgente", "colour": "#00aa0g"}),
        )
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "colour");

    // Staff read but do not write.
    let list = json_of(staff.get("/api/labels").send().await.unwrap(), 200).await;
    assert_eq!(ids(&list, "id"), [id]);
    json_of(
        staff
            .get(&format!("/api/labels/{id}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let resp = staff
        .post("/api/labels", json!({"name": "Outra", "colour": "#111111"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let resp = staff
        .patch(&format!("/api/labels/{id}"), json!({"name": "Outra"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;
    let resp = staff
        .delete(&format!("/api/labels/{id}"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "forbidden").await;

    // A rename keeps the colour; renaming onto another label's name is a conflict.
    let renamed = json_of(
        admin
            .patch(
                &format!("/api/labels/{id}"),
                json!({"name": "Retorno 30 dias"}),
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(renamed["colour"], "#00aa00");
    create_label(&admin, "Urgente", "#ff0000").await;
    let resp = admin
        .patch(&format!("/api/labels/{id}"), json!({"name": "urgente"}))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 409, "label_exists").await;
    let list = json_of(admin.get("/api/labels?limit=1").send().await.unwrap(), 200).await;
    assert_eq!(list["data"][0]["name"], "Retorno 30 dias");
    let cursor = list["next_cursor"].as_str().unwrap();
    let next = json_of(
        admin
            .get(&format!("/api/labels?limit=1&cursor={cursor}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(next["data"][0]["name"], "Urgente");
    assert_eq!(next["next_cursor"], Value::Null);
}

#[tokio::test]
async fn any_member_attaches_labels_which_filter_the_inbox_and_deleting_detaches() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let staff = app.sign_in_as(&clinic.staff).await;
    let tagged = thread(&staff, &app, clinic.company_id, "Ana").await;
    let other = thread(&staff, &app, clinic.company_id, "Bia").await;
    let label = create_label(&admin, "Retorno", "#00aa00").await;
    let label_id = label["id"].as_str().unwrap();
    let path = format!("/api/conversations/{tagged}/labels/{label_id}");
    let attached = json_of(staff.request(Method::PUT, &path).send().await.unwrap(), 200).await;
    assert_eq!(attached["labels"], json!([label]));
    // Attaching again changes nothing (and appends no second event).
    let again = json_of(staff.request(Method::PUT, &path).send().await.unwrap(), 200).await;
    assert_eq!(again, attached);
    let events = app
        .scalar(&format!(
            "SELECT count(*) FROM events WHERE kind = 'label.attached' AND conversation_id = '{tagged}'"
        ))
        .await;
    assert_eq!(events.as_deref(), Some("1"));

    let by_label = |route: &str| format!("{route}label={label_id}");
    let inbox = json_of(
        staff
            .get(&by_label("/api/inbox/summary?"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(ids(&inbox, "conversation_id"), [tagged.to_string()]);
    let list = json_of(
        staff
            .get(&by_label("/api/conversations?status=active&"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(ids(&list, "id"), [tagged.to_string()]);
    let everyone = json_of(staff.get("/api/inbox/summary").send().await.unwrap(), 200).await;
    assert_eq!(everyone["data"].as_array().unwrap().len(), 2);
    let labels_of_other = json_of(
        staff
            .get(&format!("/api/conversations/{other}/labels"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(labels_of_other["labels"], json!([]));

    // Detach, attach again, then delete the label: it is detached everywhere.
    let detached = json_of(staff.delete(&path).send().await.unwrap(), 200).await;
    assert_eq!(detached["labels"], json!([]));
    let inbox = json_of(
        staff
            .get(&by_label("/api/inbox/summary?"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(inbox["data"], json!([]));
    json_of(staff.request(Method::PUT, &path).send().await.unwrap(), 200).await;
    let resp = admin
        .delete(&format!("/api/labels/{label_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let labels = json_of(
        staff
            .get(&format!("/api/conversations/{tagged}/labels"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(labels["labels"], json!([]));
    let left = app.scalar("SELECT count(*) FROM conversation_labels").await;
    assert_eq!(left.as_deref(), Some("0"));
    let resp = staff.request(Method::PUT, &path).send().await.unwrap();
    assert_problem(resp, 404, "not_found").await;
}

#[tokio::test]
async fn another_clinic_can_neither_see_nor_use_a_clinics_labels() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica A").await;
    let b = app.clinic("Clínica B").await;
    let a_admin = app.sign_in_as(&a.admin).await;
    let b_admin = app.sign_in_as(&b.admin).await;
    let a_thread = thread(&a_admin, &app, a.company_id, "Ana").await;
    let b_thread = thread(&b_admin, &app, b.company_id, "Bia").await;
    let a_label = create_label(&a_admin, "Retorno", "#00aa00").await;
    let a_label = a_label["id"].as_str().unwrap();
    // The same name is free in another clinic.
    let b_label = create_label(&b_admin, "Retorno", "#0000ff").await;
    let b_label = b_label["id"].as_str().unwrap();
    json_of(
        a_admin
            .request(
                Method::PUT,
                &format!("/api/conversations/{a_thread}/labels/{a_label}"),
            )
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;

    let b_list = json_of(b_admin.get("/api/labels").send().await.unwrap(), 200).await;
    assert_eq!(ids(&b_list, "id"), [b_label]);
    let label_path = format!("/api/labels/{a_label}");
    assert_cross_tenant_404(&b_admin, Method::GET, &label_path, None).await;
    assert_cross_tenant_404(
        &b_admin,
        Method::PATCH,
        &label_path,
        Some(json!({"name": "x"})),
    )
    .await;
    assert_cross_tenant_404(&b_admin, Method::DELETE, &label_path, None).await;
    // A's label on B's thread, B's label on A's thread, A's thread's labels: all 404.
    for path in [
        format!("/api/conversations/{b_thread}/labels/{a_label}"),
        format!("/api/conversations/{a_thread}/labels/{b_label}"),
    ] {
        assert_cross_tenant_404(&b_admin, Method::PUT, &path, None).await;
        assert_cross_tenant_404(&b_admin, Method::DELETE, &path, None).await;
    }
    assert_cross_tenant_404(
        &b_admin,
        Method::GET,
        &format!("/api/conversations/{a_thread}/labels"),
        None,
    )
    .await;
    // Filtering by A's label finds nothing in B.
    let inbox = json_of(
        b_admin
            .get(&format!("/api/inbox/summary?label={a_label}"))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(inbox["data"], json!([]));
    // A's label is untouched.
    let still = app
        .scalar(&format!("SELECT name FROM labels WHERE id = '{a_label}'"))
        .await;
    assert_eq!(still.as_deref(), Some("Retorno"));
    let attached = app.scalar("SELECT count(*) FROM conversation_labels").await;
    assert_eq!(attached.as_deref(), Some("1"));
}

#[tokio::test]
async fn clients_filter_by_one_whole_tag_ignoring_case() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let staff = app.sign_in_as(&clinic.staff).await;
    for (name, tags) in [
        ("Ana Silva", json!(["Botox", "vip"])),
        ("Bia Silva", json!(["botox-2"])),
        ("Carla Souza", json!(["botox"])),
    ] {
        json_of(
            staff
                .post("/api/clients", json!({"name": name, "tags": tags}))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
    }
    let names = |list: &Value| -> Vec<String> { ids(list, "name") };
    let botox = json_of(
        staff.get("/api/clients?tag=BOTOX").send().await.unwrap(),
        200,
    )
    .await;
    assert_eq!(names(&botox), ["Carla Souza", "Ana Silva"]);
    let with_q = json_of(
        staff
            .get("/api/clients?tag=botox&q=silva")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(names(&with_q), ["Ana Silva"]);
    // Pages of one: every tagged match once, with the text too.
    let first = json_of(
        staff
            .get("/api/clients?tag=botox&q=a&limit=1")
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = json_of(
        staff
            .get(&format!(
                "/api/clients?tag=botox&q=a&limit=1&cursor={cursor}"
            ))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(names(&first), ["Carla Souza"]);
    assert_eq!(names(&second), ["Ana Silva"]);
    let resp = staff.get("/api/clients?tag=%20").send().await.unwrap();
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "tag");
}
