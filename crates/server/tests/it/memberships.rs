//! Issue 16 over HTTP: one account, memberships in several clinics, one active clinic per
//! session, switched with `POST /auth/switch-clinic`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::invitations::invite;
use crate::support;

use serde_json::{Value, json};
use support::{Session, TestApp, assert_problem};

async fn client_in(session: &Session, name: &str) -> String {
    let resp = session
        .post("/api/clients", json!({ "name": name }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    let body: Value = resp.json().await.unwrap();
    body["id"].as_str().unwrap().to_owned()
}

async fn client_names(session: &Session) -> Vec<String> {
    let list: Value = session
        .get("/api/clients")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

fn session_cookie(resp: &reqwest::Response) -> String {
    resp.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn one_account_in_two_clinics_signs_in_lists_switches_and_reads_only_the_active_clinic() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Unidade Centro").await;
    let b = app.clinic("Unidade Norte").await;
    let a_admin = app.sign_in_as(&a.admin).await;
    let b_admin = app.sign_in_as(&b.admin).await;
    let a_client = client_in(&a_admin, "Paciente do Centro").await;
    let b_client = client_in(&b_admin, "Paciente do Norte").await;

    // A's receptionist (A's staff) is invited to B and accepts signed in: no second password.
    let (b_member, b_token) = invite(&b_admin, &a.staff.email, "admin").await;
    let person = app.sign_in_as(&a.staff).await;
    let resp = person
        .post("/auth/accept-invite", json!({ "token": b_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let joined: Value = resp.json().await.unwrap();
    assert_eq!(joined["company"]["id"], b.company_id.to_string());
    assert_eq!(joined["user"]["id"], b_member);
    assert_eq!(joined["user"]["role"], "admin");
    assert_eq!(
        app.scalar(&format!(
            "SELECT count(*) FROM auth_identities WHERE email = '{}'",
            a.staff.email
        ))
        .await
        .as_deref(),
        Some("1"),
        "one account, two memberships"
    );

    // A fresh sign-in acts in the oldest membership (A) and lists both.
    let person = app.sign_in_as(&a.staff).await;
    let me: Value = person
        .get("/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["company"]["id"], a.company_id.to_string());
    let memberships = me["memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 2);
    let active: Vec<_> = memberships
        .iter()
        .filter(|m| m["active"] == true)
        .map(|m| m["company"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(active, vec![a.company_id.to_string()]);
    assert_eq!(memberships[1]["role"], "admin");
    assert_eq!(client_names(&person).await, vec!["Paciente do Centro"]);
    // Staff in A: not an admin here, whatever the role in B.
    assert_problem(
        person.get("/api/users").send().await.unwrap(),
        403,
        "forbidden",
    )
    .await;
    let before = person.cookie_values();

    // Switch to B: a new session; reads are B's only; the previous session is gone.
    let resp = person
        .post("/auth/switch-clinic", json!({ "company_id": b.company_id }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let old_cookie = format!("atende_session={}", before[0]);
    assert_ne!(session_cookie(&resp), old_cookie);
    let switched: Value = resp.json().await.unwrap();
    assert_eq!(switched["company"]["id"], b.company_id.to_string());
    assert_eq!(client_names(&person).await, vec!["Paciente do Norte"]);
    assert_eq!(person.get("/api/users").send().await.unwrap().status(), 200);
    assert_problem(
        person
            .get(&format!("/api/clients/{a_client}"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    assert_eq!(
        person
            .get(&format!("/api/clients/{b_client}"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // The replayed A-session cookie reads nothing.
    let replay = app
        .client
        .get(app.url(&format!("/api/clients/{a_client}")))
        .header("cookie", old_cookie)
        .send()
        .await
        .unwrap();
    assert_problem(replay, 401, "unauthenticated").await;

    // Disabled in A by A's admin: the B session goes on; switching back to A is refused.
    let resp = a_admin
        .patch(
            &format!("/api/users/{}", a.staff.user_id),
            json!({ "status": "disabled" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(client_names(&person).await, vec!["Paciente do Norte"]);
    let resp = person
        .post("/auth/switch-clinic", json!({ "company_id": a.company_id }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "user_disabled").await;
}

#[tokio::test]
async fn switching_to_a_clinic_that_is_not_yours_is_404_and_needs_a_session_and_an_own_origin() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica Só").await;
    let b = app.clinic("Clínica Alheia").await;
    let s = app.sign_in_as(&a.staff).await;
    for company in [b.company_id, uuid::Uuid::now_v7()] {
        let resp = s
            .post("/auth/switch-clinic", json!({ "company_id": company }))
            .send()
            .await
            .unwrap();
        assert_problem(resp, 404, "not_found").await;
    }
    // Still in A.
    let me: Value = s
        .get("/auth/me")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["company"]["id"], a.company_id.to_string());
    let resp = app
        .browser()
        .post("/auth/switch-clinic", json!({ "company_id": a.company_id }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
    let resp = s
        .client
        .post(app.url("/auth/switch-clinic"))
        .header("origin", "https://evil.test")
        .json(&json!({ "company_id": a.company_id }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "csrf_rejected").await;
    let resp = s
        .post("/auth/switch-clinic", json!({ "company_id": "not-a-uuid" }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 422, "validation_failed").await;
}

#[tokio::test]
async fn accepting_signed_in_needs_the_invited_email_and_an_own_origin() {
    let app = TestApp::spawn().await;
    let a = app.clinic("Clínica Convida").await;
    let b = app.clinic("Clínica Outra").await;
    let a_admin = app.sign_in_as(&a.admin).await;
    let (_, token) = invite(&a_admin, "someone@else.test", "staff").await;
    // B's staff is signed in but is not the invited address.
    let s = app.sign_in_as(&b.staff).await;
    let resp = s
        .post("/auth/accept-invite", json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "invite_email_mismatch").await;
    // Not signed in and no password.
    let resp = app
        .browser()
        .post("/auth/accept-invite", json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthenticated").await;
    // A cookie acceptance from another site is refused before anything happens.
    let (_, mine) = invite(&a_admin, &b.staff.email, "staff").await;
    let resp = s
        .client
        .post(app.url("/auth/accept-invite"))
        .header("origin", "https://evil.test")
        .json(&json!({ "token": mine }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 403, "csrf_rejected").await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT status FROM users WHERE company_id = '{}' AND email = '{}'",
            a.company_id, b.staff.email
        ))
        .await
        .as_deref(),
        Some("invited")
    );
    // From its own origin it joins; the token is spent.
    let resp = s
        .post("/auth/accept-invite", json!({ "token": mine }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["company"]["id"], a.company_id.to_string());
    assert_eq!(body["memberships"].as_array().unwrap().len(), 2);
    let resp = s
        .post("/auth/accept-invite", json!({ "token": mine }))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "invalid_invite").await;
}
