//! The client, service and appointment adapters against a real database: search, conflicts
//! mapped to domain errors, keyset pages, the overlap constraint and tenant isolation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use diesel_async::SimpleAsyncConnection;
use domain::appointments::{AppointmentFields, AppointmentStatus, NewAppointment};
use domain::auth::{Email, Tenant};
use domain::catalog::{Currency, ServiceFields, ServiceFilter};
use domain::channel::Channel;
use domain::clients::{
    ClientFields, ClientFilter, ClientStatus, ClientUpdate, NewClient, NewClientIdentity,
    WhatsappId,
};
use domain::phone::{Phone, Region};
use domain::ports::appointments::{AppointmentRepository, AppointmentWriteError};
use domain::ports::catalog::{ServiceRepository, ServiceWriteError};
use domain::ports::clients::{ClientRepository, ClientWriteError, PhoneRegion};
use domain::{AppointmentId, ClientId, CompanyId, ServiceId, UserId};
use infra_postgres::crm::{PgAppointments, PgClients, PgPhoneRegion, PgServices};
use infra_postgres::testing::TestDb;
use uuid::Uuid;

/// A clinic (with settings and one active member) created as the owner.
async fn clinic(t: &TestDb, region: &str) -> (Tenant, UserId) {
    let company = Uuid::now_v7();
    let user = Uuid::now_v7();
    let tag = &company.simple().to_string()[22..];
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "INSERT INTO companies (id, name) VALUES ('{company}', 'Clinic {tag}');
             INSERT INTO settings (company_id, default_region) VALUES ('{company}', '{region}');
             INSERT INTO users (id, company_id, email, name, role, status)
                  VALUES ('{user}', '{company}', 'pro-{tag}@clinic.test', 'Pro', 'staff', 'invited');
             UPDATE users SET status = 'active', auth_user_id = id WHERE id = '{user}';"
        ))
        .await
        .unwrap();
    (
        Tenant {
            company_id: CompanyId(company),
            user_id: Some(UserId(user)),
        },
        UserId(user),
    )
}

fn fields(name: Option<&str>, phone: Option<&str>, email: Option<&str>) -> ClientFields {
    ClientFields {
        name: name.map(str::to_owned),
        phone: phone.map(|p| Phone::parse(p, Region::BR).unwrap()),
        email: email.map(|e| Email::parse(e).unwrap()),
        instagram_username: None,
        notes: None,
        tags: vec!["vip".into()],
        status: ClientStatus::Active,
    }
}

fn new_client(f: ClientFields) -> NewClient {
    let identities = f.phone.iter().map(NewClientIdentity::whatsapp).collect();
    NewClient {
        id: ClientId::new(),
        fields: f,
        identities,
    }
}

async fn search(repo: &PgClients, tenant: Tenant, q: &str) -> Vec<Option<String>> {
    let (text, digits) = ClientFilter::search(q);
    let filter = ClientFilter {
        text,
        digits,
        status: None,
        tag: None,
    };
    let page = repo.list(tenant, filter, None, 50).await.unwrap();
    page.data.into_iter().map(|c| c.name).collect()
}

#[tokio::test]
async fn clients_are_found_by_folded_name_phone_digits_and_email() {
    let t = TestDb::new().await;
    let (a, _) = clinic(&t, "BR").await;
    let (b, _) = clinic(&t, "BR").await;
    let repo = PgClients::new(t.db.clone());
    repo.create(
        a,
        new_client(fields(
            Some("João Souza"),
            Some("+55 11 98765-4321"),
            Some("joao@mail.test"),
        )),
    )
    .await
    .unwrap();
    repo.create(
        a,
        new_client(fields(
            Some("Maria Lima"),
            Some("21 3456-7890"),
            Some("maria@mail.test"),
        )),
    )
    .await
    .unwrap();
    repo.create(
        b,
        new_client(fields(Some("João Outro"), Some("+55 11 98765-4321"), None)),
    )
    .await
    .unwrap();
    let joao = vec![Some("João Souza".to_owned())];
    for q in [
        "joao",
        "JOÃO",
        "11 98765",
        "+55 11 8765-4321",
        "(11) 98765-4321",
        "JOAO@",
        "souz",
    ] {
        assert_eq!(search(&repo, a, q).await, joao, "{q}");
    }
    assert_eq!(
        search(&repo, a, "3456-78").await,
        vec![Some("Maria Lima".to_owned())]
    );
    assert!(search(&repo, a, "%").await.is_empty());
    assert!(search(&repo, a, "nobody").await.is_empty());
    assert_eq!(
        search(&repo, b, "joao").await,
        vec![Some("João Outro".to_owned())]
    );
}

#[tokio::test]
async fn a_phone_with_or_without_the_ninth_digit_is_one_client_and_one_identity() {
    let t = TestDb::new().await;
    let (a, _) = clinic(&t, "BR").await;
    let repo = PgClients::new(t.db.clone());
    let first = repo
        .create(
            a,
            new_client(fields(Some("Ana"), Some("+55 11 98765-4321"), None)),
        )
        .await
        .unwrap();
    assert_eq!(first.identities.len(), 1);
    assert_eq!(first.identities[0].channel, Channel::Whatsapp);
    assert_eq!(first.identities[0].external_id, "5511987654321");
    let err = repo
        .create(
            a,
            new_client(fields(Some("Ana 2"), Some("55 11 8765-4321"), None)),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientWriteError::PhoneTaken { existing } if existing == first.id),
        "{err:?}"
    );
    // A WhatsApp user known only by its business-scoped id is a client too.
    let bsuid = WhatsappId::parse("BR.1347120865530274").unwrap();
    let mut lead = new_client(fields(Some("Lead"), None, None));
    lead.identities.push(NewClientIdentity {
        channel: Channel::Whatsapp,
        external_id: bsuid.as_str().to_owned(),
        display_value: None,
        phone: None,
    });
    let lead = repo.create(a, lead).await.unwrap();
    assert_eq!(lead.identities[0].external_id, "BR.1347120865530274");
}

#[tokio::test]
async fn an_update_replaces_the_whatsapp_identity_and_detects_stale_writes() {
    let t = TestDb::new().await;
    let (a, _) = clinic(&t, "BR").await;
    let (b, _) = clinic(&t, "BR").await;
    let repo = PgClients::new(t.db.clone());
    let ana = repo
        .create(
            a,
            new_client(fields(Some("Ana"), Some("11 98765-4321"), None)),
        )
        .await
        .unwrap();
    let bia = repo
        .create(
            a,
            new_client(fields(Some("Bia"), Some("11 91234-5678"), None)),
        )
        .await
        .unwrap();
    let mut next = ana.fields();
    next.phone = Some(Phone::parse("21 99876-5432", Region::BR).unwrap());
    let update = ClientUpdate {
        fields: next.clone(),
        expected_updated_at: ana.updated_at,
        previous_phone: ana.phone.clone(),
    };
    let updated = repo.update(a, ana.id, update.clone()).await.unwrap();
    let ids: Vec<_> = updated
        .identities
        .iter()
        .map(|i| i.external_id.as_str())
        .collect();
    assert_eq!(ids, ["5521998765432"]);
    // The same change computed from the old version is stale.
    assert!(matches!(
        repo.update(a, ana.id, update.clone()).await,
        Err(ClientWriteError::Stale)
    ));
    // Another clinic cannot change it: to clinic B it does not exist.
    assert!(matches!(
        repo.update(b, ana.id, update).await,
        Err(ClientWriteError::NotFound)
    ));
    assert!(repo.get(b, ana.id).await.unwrap().is_none());
    // Taking Bia's number names Bia.
    let mut steal = updated.fields();
    steal.phone = bia.phone.clone();
    let err = repo
        .update(
            a,
            ana.id,
            ClientUpdate {
                fields: steal,
                expected_updated_at: updated.updated_at,
                previous_phone: updated.phone.clone(),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClientWriteError::PhoneTaken { existing } if existing == bia.id));
}

#[tokio::test]
async fn client_pages_neither_skip_nor_repeat() {
    let t = TestDb::new().await;
    let (a, _) = clinic(&t, "BR").await;
    let repo = PgClients::new(t.db.clone());
    let mut created = Vec::new();
    for i in 0..7 {
        let c = repo
            .create(
                a,
                new_client(fields(Some(&format!("Client {i}")), None, None)),
            )
            .await
            .unwrap();
        created.push(c.id);
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = repo
            .list(a, ClientFilter::default(), after, 3)
            .await
            .unwrap();
        seen.extend(page.data.iter().map(|c| c.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    created.reverse();
    assert_eq!(seen, created);
}

#[tokio::test]
async fn search_pages_neither_skip_nor_repeat_and_keep_the_status_filter() {
    let t = TestDb::new().await;
    let (a, _) = clinic(&t, "BR").await;
    let repo = PgClients::new(t.db.clone());
    let mut matching = Vec::new();
    for i in 0..8 {
        let c = repo
            .create(
                a,
                new_client(fields(Some(&format!("Maria Silva {i}")), None, None)),
            )
            .await
            .unwrap();
        matching.push(c);
        repo.create(
            a,
            new_client(fields(Some(&format!("Other {i}")), None, None)),
        )
        .await
        .unwrap();
    }
    let pages = |filter: ClientFilter| {
        let repo = repo.clone();
        async move {
            let mut seen = Vec::new();
            let mut after = None;
            let mut pages = 0;
            loop {
                let page = repo.list(a, filter.clone(), after, 3).await.unwrap();
                pages += 1;
                assert!(pages <= 10, "the pages never end: {seen:?}");
                seen.extend(page.data.iter().map(|c| c.id));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            (seen, pages)
        }
    };
    let silva = ClientFilter {
        text: Some("silva".into()),
        ..ClientFilter::default()
    };
    let (seen, n) = pages(silva.clone()).await;
    let mut expected: Vec<_> = matching.iter().map(|c| c.id).collect();
    expected.reverse();
    assert_eq!(seen, expected, "newest first, every match once");
    assert_eq!(n, 3, "8 matches in pages of 3");
    let leads = ClientFilter {
        status: Some(matching[0].status),
        ..silva
    };
    let (seen, _) = pages(leads).await;
    assert_eq!(
        seen, expected,
        "the status filter holds inside the door too"
    );
    let (seen, _) = pages(ClientFilter {
        text: Some("silva".into()),
        status: Some(if matching[0].status == ClientStatus::Inactive {
            ClientStatus::Active
        } else {
            ClientStatus::Inactive
        }),
        digits: None,
        tag: None,
    })
    .await;
    assert!(seen.is_empty(), "no client has the other status");
}

#[tokio::test]
async fn the_region_comes_from_the_settings() {
    let t = TestDb::new().await;
    let (br, _) = clinic(&t, "BR").await;
    let (us, _) = clinic(&t, "US").await;
    let regions = PgPhoneRegion::new(t.db.clone());
    assert_eq!(regions.default_region(br).await.unwrap(), Region::BR);
    assert_eq!(regions.default_region(us).await.unwrap().as_str(), "US");
}

fn service(name: &str) -> ServiceFields {
    ServiceFields {
        name: name.into(),
        description: None,
        price_cents: 10_000,
        currency: Currency::BRL,
        duration_minutes: 30,
        active: true,
    }
}

#[tokio::test]
async fn service_names_are_unique_per_clinic_ignoring_case_and_accents() {
    let t = TestDb::new().await;
    let (a, _) = clinic(&t, "BR").await;
    let (b, _) = clinic(&t, "BR").await;
    let repo = PgServices::new(t.db.clone());
    let first = repo
        .create(a, ServiceId::new(), service("Avaliação"))
        .await
        .unwrap();
    let err = repo
        .create(a, ServiceId::new(), service("AVALIACAO"))
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceWriteError::NameTaken { existing: Some(id) } if id == first.id));
    repo.create(b, ServiceId::new(), service("Avaliação"))
        .await
        .unwrap();
    let other = repo
        .create(a, ServiceId::new(), service("Limpeza"))
        .await
        .unwrap();
    let err = repo
        .update(a, other.id, service("avaliacao"), other.updated_at)
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceWriteError::NameTaken { existing: Some(id) } if id == first.id));
    let page = repo
        .list(a, ServiceFilter::default(), None, 1)
        .await
        .unwrap();
    assert_eq!(page.data[0].fields.name, "Avaliação");
    let rest = repo
        .list(a, ServiceFilter::default(), page.next, 10)
        .await
        .unwrap();
    assert_eq!(rest.data.len(), 1);
    assert_eq!(rest.next, None);
}

#[tokio::test]
async fn twenty_concurrent_overlapping_bookings_leave_one() {
    let t = TestDb::new().await;
    let (a, pro) = clinic(&t, "BR").await;
    let client = PgClients::new(t.db.clone())
        .create(a, new_client(fields(Some("Ana"), None, None)))
        .await
        .unwrap();
    let svc = PgServices::new(t.db.clone())
        .create(a, ServiceId::new(), service("Consulta"))
        .await
        .unwrap();
    let repo = PgAppointments::new(t.db.clone());
    let start = Utc::now() + Duration::days(1);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let repo = repo.clone();
        let starts_at = start + Duration::minutes(i);
        tasks.push(tokio::spawn(async move {
            repo.create(
                a,
                NewAppointment {
                    id: AppointmentId::new(),
                    fields: AppointmentFields {
                        client_id: client.id,
                        service_id: svc.id,
                        user_id: Some(pro),
                        starts_at,
                        ends_at: starts_at + Duration::minutes(30),
                        status: AppointmentStatus::Scheduled,
                        notes: None,
                        canceled_at: None,
                    },
                    created_by: Some(pro),
                },
            )
            .await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppointmentWriteError::SlotTaken) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn another_clinics_rows_are_unknown_references() {
    let t = TestDb::new().await;
    let (a, pro_a) = clinic(&t, "BR").await;
    let (b, _) = clinic(&t, "BR").await;
    let client = PgClients::new(t.db.clone())
        .create(a, new_client(fields(Some("Ana"), None, None)))
        .await
        .unwrap();
    let svc = PgServices::new(t.db.clone())
        .create(a, ServiceId::new(), service("Consulta"))
        .await
        .unwrap();
    let repo = PgAppointments::new(t.db.clone());
    let mine = repo
        .check_references(a, client.id, svc.id, Some(pro_a))
        .await
        .unwrap();
    assert!(mine.client && mine.professional && mine.service == Some((30, true)));
    let theirs = repo
        .check_references(b, client.id, svc.id, Some(pro_a))
        .await
        .unwrap();
    assert!(!theirs.client && !theirs.professional && theirs.service.is_none());
    // Even past the check, the composite foreign keys refuse a cross-clinic row.
    let starts_at = Utc::now();
    let err = repo
        .create(
            b,
            NewAppointment {
                id: AppointmentId::new(),
                fields: AppointmentFields {
                    client_id: client.id,
                    service_id: svc.id,
                    user_id: None,
                    starts_at,
                    ends_at: starts_at + Duration::minutes(30),
                    status: AppointmentStatus::Scheduled,
                    notes: None,
                    canceled_at: None,
                },
                created_by: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppointmentWriteError::InvalidReference(_)),
        "{err:?}"
    );
}
