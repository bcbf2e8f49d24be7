//! Message search against a real database: Portuguese relevance (accents, stems, phrases,
//! prefixes, exclusions), highlighted snippets, filters, keyset pages, both steps of the door,
//! and isolation between clinics under row-level security.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel_async::SimpleAsyncConnection;
use domain::auth::Tenant;
use domain::channel::Channel;
use domain::page::Page;
use domain::ports::search::MessageSearch;
use domain::search::{MessageHit, MessageHitCursor, MessageQuery, MessageSearchFilter};
use domain::{ClientId, CompanyId, UserId};
use infra_postgres::DbError;
use infra_postgres::search::PgMessageSearch;
use infra_postgres::testing::TestDb;
use uuid::Uuid;

/// A clinic with one member, as the owner.
async fn clinic(t: &TestDb) -> Tenant {
    let company = Uuid::now_v7();
    let user = Uuid::now_v7();
    let tag = &company.simple().to_string()[22..];
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "INSERT INTO companies (id, name) VALUES ('{company}', 'Clinic {tag}');
             INSERT INTO settings (company_id) VALUES ('{company}');
             INSERT INTO users (id, company_id, email, name, role, status)
                  VALUES ('{user}', '{company}', 'staff-{tag}@clinic.test', 'Staff', 'staff', 'invited');"
        ))
        .await
        .unwrap();
    Tenant {
        company_id: CompanyId(company),
        user_id: Some(UserId(user)),
    }
}

/// A client of `tenant`'s clinic with one thread.
struct Patient {
    company: Uuid,
    client: Uuid,
    thread: Uuid,
}

async fn patient(t: &TestDb, tenant: &Tenant, name: &str) -> Patient {
    let (company, client, thread) = (tenant.company_id.0, Uuid::now_v7(), Uuid::now_v7());
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "INSERT INTO clients (id, company_id, name) VALUES ('{client}', '{company}', '{name}');
             INSERT INTO conversation_threads (id, company_id, client_id, channel)
                  VALUES ('{thread}', '{company}', '{client}', 'whatsapp');"
        ))
        .await
        .unwrap();
    Patient {
        company,
        client,
        thread,
    }
}

/// A fixed clock: message `n` minutes after it.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap() + Duration::minutes(minutes)
}

/// Stores a message of `p` on `channel` at `at(minutes)`; returns its id.
async fn message(t: &TestDb, p: &Patient, channel: &str, minutes: i64, text: &str) -> Uuid {
    let id = Uuid::now_v7();
    let (company, client, thread) = (p.company, p.client, p.thread);
    let text = text.replace('\'', "''");
    let when = at(minutes).to_rfc3339();
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "INSERT INTO interactions (id, company_id, conversation_id, client_id, channel, direction,
                                       text, status, occurred_at)
                  VALUES ('{id}', '{company}', '{thread}', '{client}', '{channel}', 'inbound',
                          '{text}', 'received', '{when}');"
        ))
        .await
        .unwrap();
    id
}

async fn search_page(
    t: &TestDb,
    tenant: Tenant,
    q: &str,
    filter: MessageSearchFilter,
    after: Option<MessageHitCursor>,
    limit: u32,
) -> Page<MessageHit, MessageHitCursor> {
    PgMessageSearch::new(t.db.clone())
        .search(
            tenant,
            MessageQuery::parse(q).unwrap(),
            filter,
            after,
            limit,
        )
        .await
        .unwrap()
}

/// The ids of every hit of `q`, newest first.
async fn ids(t: &TestDb, tenant: Tenant, q: &str) -> Vec<Uuid> {
    search_page(t, tenant, q, MessageSearchFilter::default(), None, 200)
        .await
        .data
        .into_iter()
        .map(|h| h.id.0)
        .collect()
}

#[tokio::test]
async fn portuguese_is_found_without_accents_by_stems_phrases_prefixes_and_exclusions() {
    let t = TestDb::new().await;
    let a = clinic(&t).await;
    let p = patient(&t, &a, "Maria Souza").await;
    let nao = message(
        &t,
        &p,
        "whatsapp",
        6,
        "Não posso ir amanhã, preciso remarcar",
    )
    .await;
    let reverso = message(&t, &p, "whatsapp", 5, "Ir? Posso, sim. Obrigada!").await;
    let remarcado = message(&t, &p, "whatsapp", 4, "Remarcado para as 10h").await;
    let remarcacao = message(&t, &p, "whatsapp", 3, "A remarcação foi feita").await;
    let remarquei = message(&t, &p, "whatsapp", 2, "Remarquei para sexta").await;
    let horario = message(&t, &p, "whatsapp", 1, "Qual o HORÁRIO de amanhã?").await;

    // Accents and case do not matter, either way round.
    assert_eq!(ids(&t, a, "nao").await, [nao]);
    assert_eq!(ids(&t, a, "NÃO").await, [nao]);
    assert_eq!(ids(&t, a, "amanha").await, [nao, horario]);
    assert_eq!(ids(&t, a, "horário").await, [horario]);
    assert_eq!(ids(&t, a, "posso").await, [nao, reverso]);
    // Stems, as far as the Portuguese stemmer goes after folding accents.
    assert_eq!(ids(&t, a, "remarcar").await, [nao, remarcado]);
    assert_eq!(ids(&t, a, "remarcamos").await, [nao, remarcado]);
    assert_eq!(ids(&t, a, "remarcação").await, [remarcacao]);
    assert_eq!(ids(&t, a, "remarcacao").await, [remarcacao]);
    assert_eq!(ids(&t, a, "remarquei").await, [remarquei]);
    // Prefixes reach what the stems do not.
    assert_eq!(ids(&t, a, "remarc*").await, [nao, remarcado, remarcacao]);
    assert_eq!(
        ids(&t, a, "remar*").await,
        [nao, remarcado, remarcacao, remarquei]
    );
    assert_eq!(ids(&t, a, "amanh* posso").await, [nao]);
    // Phrases keep the order; `-` excludes, also a prefix; `or` joins.
    assert_eq!(ids(&t, a, "\"posso ir\"").await, [nao]);
    assert_eq!(ids(&t, a, "posso -amanhã").await, [reverso]);
    assert_eq!(ids(&t, a, "remarc* -remarcar").await, [remarcacao]);
    assert_eq!(ids(&t, a, "amanhã -amanh*").await, Vec::<Uuid>::new());
    assert_eq!(ids(&t, a, "horario or sexta").await, [remarquei, horario]);
    // Stop words alone find nothing, and never fail.
    assert!(ids(&t, a, "de para o").await.is_empty());
    assert!(ids(&t, a, "\"de\"").await.is_empty());

    // The snippet marks the matching words, and the hit names the conversation to open.
    let page = search_page(
        &t,
        a,
        "nao remarcar",
        MessageSearchFilter::default(),
        None,
        50,
    )
    .await;
    let hit = &page.data[0];
    assert_eq!(hit.conversation_id.0, p.thread);
    assert_eq!(hit.client_id.0, p.client);
    assert_eq!(hit.client_name.as_deref(), Some("Maria Souza"));
    assert_eq!(hit.channel, Channel::Whatsapp);
    let marked: Vec<(&str, bool)> = hit
        .snippet
        .iter()
        .map(|s| (s.text.as_str(), s.highlight))
        .collect();
    assert_eq!(
        marked,
        [
            ("Não", true),
            (" posso ir amanhã, preciso ", false),
            ("remarcar", true)
        ]
    );
}

#[tokio::test]
async fn filters_narrow_and_pages_neither_skip_nor_repeat() {
    let t = TestDb::new().await;
    let a = clinic(&t).await;
    let maria = patient(&t, &a, "Maria").await;
    let joao = patient(&t, &a, "João").await;
    for m in 0..7 {
        let p = if m % 2 == 0 { &maria } else { &joao };
        message(&t, p, "whatsapp", m, &format!("Posso remarcar? ({m})")).await;
    }
    // Two at the same instant: the id breaks the tie.
    message(&t, &maria, "whatsapp", 3, "remarcar de novo").await;
    let note = message(&t, &joao, "internal", 20, "Nota: pediu para remarcar").await;
    let deleted = message(&t, &maria, "whatsapp", 21, "remarcar (apagada)").await;
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "UPDATE interactions SET deleted_at = now() WHERE id = '{deleted}'"
        ))
        .await
        .unwrap();
    // Newest first by time, then id.
    let mut all = search_page(&t, a, "remarcar", MessageSearchFilter::default(), None, 200)
        .await
        .data;
    assert_eq!(all.len(), 9, "deleted messages are never found");
    assert!(
        all.windows(2)
            .all(|w| (w[0].occurred_at, w[0].id) > (w[1].occurred_at, w[1].id))
    );
    assert_eq!(all[0].id.0, note);
    assert_eq!(all[0].channel, Channel::Internal);

    // Pages of 2 walk the same list.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = search_page(&t, a, "remarcar", MessageSearchFilter::default(), after, 2).await;
        assert!(page.data.len() <= 2);
        paged.extend(page.data);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        paged.iter().map(|h| h.id).collect::<Vec<_>>(),
        all.iter().map(|h| h.id).collect::<Vec<_>>()
    );

    // Client, channel and time filters.
    let of = |filter: MessageSearchFilter| search_page(&t, a, "remarcar", filter, None, 200);
    let joao_only = of(MessageSearchFilter {
        client_id: Some(ClientId(joao.client)),
        ..MessageSearchFilter::default()
    })
    .await
    .data;
    assert_eq!(joao_only.len(), 4);
    assert!(joao_only.iter().all(|h| h.client_id.0 == joao.client));
    let notes = of(MessageSearchFilter {
        channel: Some(Channel::Internal),
        ..MessageSearchFilter::default()
    })
    .await
    .data;
    assert_eq!(notes.iter().map(|h| h.id.0).collect::<Vec<_>>(), [note]);
    let window = of(MessageSearchFilter {
        from: Some(at(2)),
        to: Some(at(4)),
        ..MessageSearchFilter::default()
    })
    .await
    .data;
    assert_eq!(window.len(), 3, "at(2) and both at(3); at(4) is excluded");
    all.retain(|h| h.occurred_at >= at(2) && h.occurred_at < at(4));
    assert_eq!(
        window.iter().map(|h| h.id).collect::<Vec<_>>(),
        all.iter().map(|h| h.id).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn rare_words_behind_many_newer_messages_are_found_through_the_index() {
    let t = TestDb::new().await;
    let a = clinic(&t).await;
    let p = patient(&t, &a, "Ana").await;
    let old = message(&t, &p, "whatsapp", 0, "Quero fazer botox").await;
    let older = message(&t, &p, "whatsapp", -1, "Botox de novo?").await;
    let (company, client, thread) = (p.company, p.client, p.thread);
    // 100 newer messages without the word: a page of 1 walks 40 of them, then asks the index.
    t.owner_conn()
        .await
        .batch_execute(&format!(
            "INSERT INTO interactions (company_id, conversation_id, client_id, channel, direction,
                                       text, status, occurred_at)
             SELECT '{company}', '{thread}', '{client}', 'whatsapp', 'inbound',
                    'Consulta confirmada, obrigada', 'received', '{base}'::timestamptz + n * interval '1 minute'
               FROM generate_series(1, 100) AS n;",
            base = at(0).to_rfc3339()
        ))
        .await
        .unwrap();
    let first = search_page(&t, a, "botox", MessageSearchFilter::default(), None, 1).await;
    assert_eq!(first.data.iter().map(|h| h.id.0).collect::<Vec<_>>(), [old]);
    let second = search_page(
        &t,
        a,
        "botox",
        MessageSearchFilter::default(),
        first.next,
        1,
    )
    .await;
    assert_eq!(
        second.data.iter().map(|h| h.id.0).collect::<Vec<_>>(),
        [older]
    );
    assert!(second.next.is_none());
    // The common word fills its page in the walk.
    let common = search_page(&t, a, "confirmada", MessageSearchFilter::default(), None, 3).await;
    assert_eq!(common.data.len(), 3);
    assert!(common.data.iter().all(|h| h.occurred_at > at(97)));
    assert!(ids(&t, a, "inexistente").await.is_empty());
}

#[tokio::test]
async fn another_clinic_finds_nothing_and_no_clinic_pinned_fails_closed() {
    let t = TestDb::new().await;
    let a = clinic(&t).await;
    let b = clinic(&t).await;
    let p = patient(&t, &a, "Maria").await;
    let mine = message(&t, &p, "whatsapp", 0, "Não posso ir amanhã").await;
    assert_eq!(ids(&t, a, "amanhã").await, [mine]);
    assert!(ids(&t, b, "amanhã").await.is_empty());
    assert!(ids(&t, b, "amanh*").await.is_empty());
    // B naming A's client as a filter still sees nothing.
    let filtered = search_page(
        &t,
        b,
        "amanhã",
        MessageSearchFilter {
            client_id: Some(ClientId(p.client)),
            ..MessageSearchFilter::default()
        },
        None,
        50,
    )
    .await;
    assert!(filtered.data.is_empty());
    let unpinned =
        t.db.system_tx(|conn| {
            Box::pin(async move {
                use diesel_async::RunQueryDsl;
                diesel::sql_query(
                    "SELECT public.atende_message_search(
                         websearch_to_tsquery('public.atende_pt', 'amanhã'),
                         NULL, NULL, NULL, NULL, NULL, NULL, 50)",
                )
                .execute(conn)
                .await
                .map_err(DbError::from)
            })
        })
        .await;
    assert!(
        unpinned.is_err(),
        "no clinic pinned: the search fails closed"
    );
}
