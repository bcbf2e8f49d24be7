//! Two clinics, every tenant table, queried as `atende_app` through the real units of work.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{SEEDED_TENANT_TABLES, number, seed_company, strings, tenant_column, tenant_tables};
use diesel_async::RunQueryDsl;
use domain::CompanyId;
use infra_postgres::testing::TestDb;
use infra_postgres::{DbError, PoolSettings, TenantScope};
use uuid::Uuid;

async fn two_clinics() -> (TestDb, Uuid, Uuid) {
    let t = TestDb::new().await;
    let mut owner = t.owner_conn().await;
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    seed_company(&mut owner, a).await;
    seed_company(&mut owner, b).await;
    (t, a, b)
}

#[tokio::test]
async fn the_fixture_covers_every_tenant_table() {
    let t = TestDb::new().await;
    let mut owner = t.owner_conn().await;
    let tables = tenant_tables(&mut owner).await;
    assert_eq!(
        tables, SEEDED_TENANT_TABLES,
        "add new tenant tables to the isolation fixture"
    );
}

#[tokio::test]
async fn a_clinic_reads_only_its_own_rows_in_every_tenant_table() {
    let (t, a, b) = two_clinics().await;
    for table in SEEDED_TENANT_TABLES {
        let col = tenant_column(table);
        let (mine, theirs, total) =
            t.db.tenant_tx(TenantScope::company(CompanyId(a)), move |conn| {
                Box::pin(async move {
                    let mine = number(
                        conn,
                        &format!("SELECT count(*) AS n FROM {table} WHERE {col} = '{a}'"),
                    )
                    .await?;
                    let theirs = number(
                        conn,
                        &format!("SELECT count(*) AS n FROM {table} WHERE {col} = '{b}'"),
                    )
                    .await?;
                    let total = number(conn, &format!("SELECT count(*) AS n FROM {table}")).await?;
                    Ok::<_, DbError>((mine, theirs, total))
                })
            })
            .await
            .unwrap();
        assert!(mine >= 1, "{table}: clinic A sees none of its own rows");
        assert_eq!(theirs, 0, "{table}: clinic A sees clinic B's rows");
        assert_eq!(total, mine, "{table}: clinic A sees rows of another clinic");
    }
}

#[tokio::test]
async fn a_clinic_cannot_update_or_delete_another_clinics_rows() {
    let (t, a, b) = two_clinics().await;
    for table in SEEDED_TENANT_TABLES {
        let col = tenant_column(table);
        let touched =
            t.db.tenant_tx(TenantScope::company(CompanyId(a)), move |conn| {
                Box::pin(async move {
                    // A no-op update still counts the rows it can reach.
                    let updated = diesel::sql_query(format!(
                        "UPDATE {table} SET {col} = {col} WHERE {col} = '{b}'"
                    ))
                    .execute(conn)
                    .await?;
                    Ok::<_, DbError>(updated)
                })
            })
            .await;
        match touched {
            Ok(n) => assert_eq!(n, 0, "{table}: clinic A updated clinic B's rows"),
            // Append-only tables (snapshots) refuse UPDATE to the app role altogether.
            Err(e) => assert!(e.to_string().contains("permission denied"), "{table}: {e}"),
        }
    }
    let mut owner = t.owner_conn().await;
    for table in SEEDED_TENANT_TABLES {
        let col = tenant_column(table);
        let left = number(
            &mut owner,
            &format!("SELECT count(*) AS n FROM {table} WHERE {col} = '{b}'"),
        )
        .await
        .unwrap();
        assert!(left >= 1, "{table}: clinic B's rows disappeared");
    }
}

#[tokio::test]
async fn a_clinic_cannot_move_or_insert_rows_into_another_clinic() {
    let (t, a, b) = two_clinics().await;
    for table in SEEDED_TENANT_TABLES {
        let col = tenant_column(table);
        let moved =
            t.db.tenant_tx(TenantScope::company(CompanyId(a)), move |conn| {
                Box::pin(async move {
                    diesel::sql_query(format!(
                        "UPDATE {table} SET {col} = '{b}' WHERE {col} = '{a}'"
                    ))
                    .execute(conn)
                    .await
                    .map_err(DbError::from)
                })
            })
            .await;
        let err = moved.expect_err(&format!("{table}: a row was moved into clinic B"));
        assert!(
            ["row-level security", "foreign key", "permission denied"]
                .iter()
                .any(|m| err.to_string().contains(m)),
            "{table}: unexpected error {err}"
        );
    }
    // A direct insert of a clinic-B client while pinned to A.
    let inserted =
        t.db.tenant_tx(TenantScope::company(CompanyId(a)), move |conn| {
            Box::pin(async move {
                diesel::sql_query(format!(
                    "INSERT INTO clients (company_id, name) VALUES ('{b}', 'Intruder')"
                ))
                .execute(conn)
                .await
                .map_err(DbError::from)
            })
        })
        .await;
    let err = inserted.expect_err("insert into another clinic must fail");
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[tokio::test]
async fn with_no_clinic_pinned_tenant_tables_fail_closed() {
    let (t, _a, _b) = two_clinics().await;
    for table in SEEDED_TENANT_TABLES {
        let result =
            t.db.system_tx(move |conn| {
                Box::pin(async move {
                    number(conn, &format!("SELECT count(*) AS n FROM {table}"))
                        .await
                        .map_err(DbError::from)
                })
            })
            .await;
        match result {
            Err(_) | Ok(0) => {}
            Ok(n) => panic!("{table}: {n} rows visible with no clinic pinned"),
        }
    }
}

#[tokio::test]
async fn a_pooled_connection_carries_no_tenant_or_role_after_a_unit_of_work() {
    let (t, a, _b) = two_clinics().await;
    // One connection, so the second unit of work reuses the first one's connection.
    let db = infra_postgres::Database::connect(
        &t.url,
        &PoolSettings {
            max_size: 1,
            ..PoolSettings::default()
        },
    )
    .unwrap();
    let inside = db
        .tenant_tx(TenantScope::company(CompanyId(a)), |conn| {
            Box::pin(async move {
                Ok::<_, DbError>(
                    strings(conn, "SELECT current_user || '|' || current_setting('app.company_id', true) AS v").await,
                )
            })
        })
        .await
        .unwrap();
    assert_eq!(inside, [format!("atende_app|{a}")]);
    // A unit of work that fails must not leak either.
    let _ = db
        .tenant_tx(TenantScope::company(CompanyId(a)), |conn| {
            Box::pin(async move {
                diesel::sql_query("SELECT 1/0").execute(conn).await?;
                Ok::<_, DbError>(())
            })
        })
        .await;
    let after = db
        .system_tx(|conn| {
            Box::pin(async move {
                diesel::sql_query("ROLLBACK").execute(conn).await?;
                Ok::<_, DbError>(
                    strings(conn, "SELECT current_user || '|' || coalesce(current_setting('app.company_id', true), '') AS v")
                        .await,
                )
            })
        })
        .await;
    // The ROLLBACK above ends the system transaction early, so the session state is what the pool
    // handed out: the connecting role and no tenant.
    let after = after.unwrap_or_default();
    let connecting = strings(&mut t.owner_conn().await, "SELECT current_user::text AS v").await;
    assert_eq!(after, [format!("{}|", connecting[0])]);
}
