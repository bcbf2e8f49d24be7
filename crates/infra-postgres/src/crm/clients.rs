//! [`ClientRepository`] over PostgreSQL.

use super::client_rows::{ClientRow, IdentityRow, assemble};
use super::{contains_pattern, scope, violation};
use crate::error::DbError;
use crate::keyset::ListOrder;
use crate::pool::Database;
use crate::schema::{client_identities, clients};
use async_trait::async_trait;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::result::DatabaseErrorKind;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::auth::Tenant;
use domain::clients::{
    Client, ClientCursor, ClientFields, ClientFilter, ClientUpdate, NewClient, NewClientIdentity,
};
use domain::events;
use domain::page::Page;
use domain::phone::Phone;
use domain::ports::clients::{ClientRepository, ClientWriteError};
use domain::{ClientId, CompanyId};
use uuid::Uuid;

/// The PostgreSQL adapter of [`ClientRepository`].
#[derive(Clone, Debug)]
pub struct PgClients {
    db: Database,
}

impl PgClients {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The client (other than `except`) that has `phone` or its WhatsApp identity, looked up in
    /// a unit of work of its own (after a unique violation rolled the writing one back).
    async fn phone_owner(
        &self,
        tenant: Tenant,
        phone: Phone,
        except: Option<Uuid>,
    ) -> Result<ClientWriteError, ClientWriteError> {
        let owner = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move { phone_owner(conn, tenant.company_id, &phone, except).await })
            })
            .await
            .map_err(|e| ClientWriteError::Other(e.into()))?;
        owner
            .map(|existing| ClientWriteError::PhoneTaken { existing })
            .ok_or_else(|| ClientWriteError::Other(anyhow::anyhow!("phone conflict with no owner")))
    }
}

/// The client (other than `except`) with this phone, or whose WhatsApp identity is this number.
async fn phone_owner(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    phone: &Phone,
    except: Option<Uuid>,
) -> Result<Option<ClientId>, DbError> {
    let except = except.unwrap_or(Uuid::nil());
    let by_phone: Option<Uuid> = clients::table
        .filter(clients::company_id.eq(company.0))
        .filter(clients::phone.eq(phone.as_str()))
        .filter(clients::id.ne(except))
        .select(clients::id)
        .first(conn)
        .await
        .optional()?;
    if let Some(id) = by_phone {
        return Ok(Some(ClientId(id)));
    }
    let by_identity: Option<Uuid> = client_identities::table
        .filter(client_identities::company_id.eq(company.0))
        .filter(client_identities::channel.eq("whatsapp"))
        .filter(client_identities::external_id.eq(phone.digits()))
        .filter(client_identities::client_id.ne(except))
        .select(client_identities::client_id)
        .first(conn)
        .await
        .optional()?;
    Ok(by_identity.map(ClientId))
}

async fn insert_identities(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    client: Uuid,
    identities: Vec<NewClientIdentity>,
) -> Result<(), DbError> {
    for identity in identities {
        diesel::insert_into(client_identities::table)
            .values((
                client_identities::id.eq(Uuid::now_v7()),
                client_identities::company_id.eq(company.0),
                client_identities::client_id.eq(client),
                client_identities::channel.eq(identity.channel.as_str()),
                client_identities::external_id.eq(identity.external_id),
                client_identities::display_value.eq(identity.display_value),
                client_identities::phone.eq(identity.phone.map(|p| p.as_str().to_owned())),
            ))
            // The same identity on the same client is already recorded; another client's was
            // ruled out by `phone_owner` (and a race is caught by the clients' unique phone).
            .on_conflict((
                client_identities::company_id,
                client_identities::channel,
                client_identities::external_id,
            ))
            .do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

async fn identities_of(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    ids: Vec<Uuid>,
) -> Result<Vec<IdentityRow>, DbError> {
    Ok(client_identities::table
        .filter(client_identities::company_id.eq(company.0))
        .filter(client_identities::client_id.eq_any(ids))
        .order((client_identities::created_at, client_identities::id))
        .select(IdentityRow::as_select())
        .load(conn)
        .await?)
}

/// A client with its identities, in the caller's transaction (the profile's unit of work).
pub(crate) async fn client_in(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: ClientId,
) -> anyhow::Result<Option<Client>> {
    load_one(conn, company, id.0)
        .await?
        .map(|(row, identities)| row.into_client(identities))
        .transpose()
}

async fn load_one(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: Uuid,
) -> Result<Option<(ClientRow, Vec<IdentityRow>)>, DbError> {
    let row = clients::table
        .filter(clients::company_id.eq(company.0))
        .filter(clients::id.eq(id))
        .select(ClientRow::as_select())
        .first(conn)
        .await
        .optional()?;
    match row {
        Some(row) => {
            let identities = identities_of(conn, company, vec![id]).await?;
            Ok(Some((row, identities)))
        }
        None => Ok(None),
    }
}

fn tags(fields: &ClientFields) -> Vec<Option<String>> {
    fields.tags.iter().cloned().map(Some).collect()
}

/// What a write unit of work found.
enum Written {
    Done(Box<(ClientRow, Vec<IdentityRow>)>),
    PhoneTaken(ClientId),
    NotFound,
    Stale,
}

fn finish(written: Written) -> Result<Client, ClientWriteError> {
    match written {
        Written::Done(done) => {
            let (row, identities) = *done;
            Ok(row.into_client(identities)?)
        }
        Written::PhoneTaken(existing) => Err(ClientWriteError::PhoneTaken { existing }),
        Written::NotFound => Err(ClientWriteError::NotFound),
        Written::Stale => Err(ClientWriteError::Stale),
    }
}

/// Emits `client.created` for a client created inside this unit of work by another adapter (a
/// lead arriving by webhook), read back with its identities.
///
/// # Errors
/// When the read fails.
pub(crate) async fn emit_created(
    conn: &mut AsyncPgConnection,
    company: CompanyId,
    id: ClientId,
) -> anyhow::Result<()> {
    if let Some((row, identities)) = load_one(conn, company, id.0).await? {
        crate::events::emit(
            company,
            events::client_created(&row.into_client(identities)?),
        )?;
    }
    Ok(())
}

/// Emits `client.created`/`client.updated` for the row as written (a row that cannot be read
/// back fails the whole request afterwards anyway).
fn emit_client(
    company: CompanyId,
    row: &ClientRow,
    identities: &[IdentityRow],
    event: fn(&Client) -> domain::events::NewEvent,
) {
    if let Ok(client) = row.clone().into_client(identities.to_vec())
        && let Err(e) = crate::events::emit(company, event(&client))
    {
        tracing::error!(error = %e, "client event not recorded");
    }
}

fn is_phone_conflict(err: &DbError) -> bool {
    matches!(
        violation(err),
        Some((
            DatabaseErrorKind::UniqueViolation,
            Some(
                "clients_company_id_phone_key"
                    | "client_identities_company_id_channel_external_id_key"
            )
        ))
    )
}

/// The client list: newest first (index `(company_id, created_at DESC, id DESC)`).
const PAGES: ListOrder = ListOrder::desc(["clients.created_at", "clients.id"]);

#[async_trait]
impl ClientRepository for PgClients {
    async fn create(&self, tenant: Tenant, client: NewClient) -> Result<Client, ClientWriteError> {
        let company = tenant.company_id;
        let phone = client.fields.phone.clone();
        let result = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let f = &client.fields;
                    if let Some(phone) = &f.phone
                        && let Some(owner) = phone_owner(conn, company, phone, None).await?
                    {
                        return Ok(Written::PhoneTaken(owner));
                    }
                    let row = diesel::insert_into(clients::table)
                        .values((
                            clients::id.eq(client.id.0),
                            clients::company_id.eq(company.0),
                            clients::name.eq(f.name.clone()),
                            clients::phone.eq(f.phone.as_ref().map(|p| p.as_str().to_owned())),
                            clients::email.eq(f.email.as_ref().map(|e| e.as_str().to_owned())),
                            clients::instagram_username
                                .eq(f.instagram_username.as_ref().map(|u| u.as_str().to_owned())),
                            clients::notes.eq(f.notes.clone()),
                            clients::tags.eq(tags(f)),
                            clients::status.eq(f.status.as_str()),
                        ))
                        .returning(ClientRow::as_returning())
                        .get_result(conn)
                        .await?;
                    insert_identities(conn, company, row.id, client.identities).await?;
                    let identities = identities_of(conn, company, vec![row.id]).await?;
                    emit_client(company, &row, &identities, events::client_created);
                    Ok::<_, DbError>(Written::Done(Box::new((row, identities))))
                })
            })
            .await;
        match result {
            Ok(written) => finish(written),
            Err(e) if is_phone_conflict(&e) => match phone {
                Some(phone) => Err(self.phone_owner(tenant, phone, None).await?),
                None => Err(ClientWriteError::Other(e.into())),
            },
            Err(e) => Err(ClientWriteError::Other(e.into())),
        }
    }

    async fn get(&self, tenant: Tenant, id: ClientId) -> anyhow::Result<Option<Client>> {
        let company = tenant.company_id;
        let found = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move { load_one(conn, company, id.0).await })
            })
            .await?;
        found
            .map(|(row, identities)| row.into_client(identities))
            .transpose()
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: ClientId,
        update: ClientUpdate,
    ) -> Result<Client, ClientWriteError> {
        let company = tenant.company_id;
        let phone = update.fields.phone.clone();
        let result = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let f = &update.fields;
                    let phone_changed = f.phone != update.previous_phone;
                    if phone_changed
                        && let Some(phone) = &f.phone
                        && let Some(owner) = phone_owner(conn, company, phone, Some(id.0)).await?
                    {
                        return Ok(Written::PhoneTaken(owner));
                    }
                    let row = diesel::update(
                        clients::table
                            .filter(clients::company_id.eq(company.0))
                            .filter(clients::id.eq(id.0))
                            .filter(clients::updated_at.eq(update.expected_updated_at)),
                    )
                    .set((
                        clients::name.eq(f.name.clone()),
                        clients::phone.eq(f.phone.as_ref().map(|p| p.as_str().to_owned())),
                        clients::email.eq(f.email.as_ref().map(|e| e.as_str().to_owned())),
                        clients::instagram_username
                            .eq(f.instagram_username.as_ref().map(|u| u.as_str().to_owned())),
                        clients::notes.eq(f.notes.clone()),
                        clients::tags.eq(tags(f)),
                        clients::status.eq(f.status.as_str()),
                    ))
                    .returning(ClientRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?;
                    let Some(row) = row else {
                        let exists = load_one(conn, company, id.0).await?.is_some();
                        return Ok(if exists {
                            Written::Stale
                        } else {
                            Written::NotFound
                        });
                    };
                    if phone_changed {
                        // The WhatsApp identity of the old number goes with it.
                        if let Some(old) = &update.previous_phone {
                            diesel::delete(
                                client_identities::table
                                    .filter(client_identities::company_id.eq(company.0))
                                    .filter(client_identities::client_id.eq(id.0))
                                    .filter(client_identities::channel.eq("whatsapp"))
                                    .filter(client_identities::external_id.eq(old.digits())),
                            )
                            .execute(conn)
                            .await?;
                        }
                        let new = f.phone.iter().map(NewClientIdentity::whatsapp).collect();
                        insert_identities(conn, company, id.0, new).await?;
                    }
                    let identities = identities_of(conn, company, vec![id.0]).await?;
                    emit_client(company, &row, &identities, events::client_updated);
                    Ok::<_, DbError>(Written::Done(Box::new((row, identities))))
                })
            })
            .await;
        match result {
            Ok(written) => finish(written),
            Err(e) if is_phone_conflict(&e) => match phone {
                Some(phone) => Err(self.phone_owner(tenant, phone, Some(id.0)).await?),
                None => Err(ClientWriteError::Other(e.into())),
            },
            Err(e) => Err(ClientWriteError::Other(e.into())),
        }
    }

    async fn list(
        &self,
        tenant: Tenant,
        filter: ClientFilter,
        after: Option<ClientCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<Client, ClientCursor>> {
        let company = tenant.company_id;
        let (rows, identities) = self
            .db
            .tenant_tx(scope(tenant), move |conn| {
                Box::pin(async move {
                    let mut query = clients::table
                        .filter(clients::company_id.eq(company.0))
                        .select(ClientRow::as_select())
                        .into_boxed::<Pg>();
                    if let Some(status) = filter.status {
                        query = query.filter(clients::status.eq(status.as_str()));
                    }
                    if let Some(tag) = &filter.tag {
                        query = query.filter(
                            diesel::dsl::sql::<Bool>(
                                "EXISTS (SELECT 1 FROM unnest(clients.tags) AS tag WHERE lower(tag) = lower(",
                            )
                            .bind::<Text, _>(tag.clone())
                            .sql("))"),
                        );
                    }
                    if let (Some(text), Some(_)) = (&filter.text, &filter.tag) {
                        // With a tag, the door's page of ids (matches of the text alone) could
                        // hold fewer tagged clients than the page while more follow: the text is
                        // matched here instead, under RLS (a scan of the clinic's clients in
                        // list order; the tag keeps such lists short).
                        query = query.filter(
                            diesel::dsl::sql::<Bool>(
                                "(clients.search_text LIKE public.atende_fold(",
                            )
                            .bind::<Text, _>(contains_pattern(text))
                            .sql(") OR clients.search_text LIKE ")
                            .bind::<Nullable<Text>, _>(
                                filter.digits.as_deref().map(contains_pattern),
                            )
                            .sql(")"),
                        );
                    } else if let Some(text) = &filter.text {
                        // The SECURITY DEFINER door runs the LIKE where the trigram index
                        // serves it (under RLS it could not) and answers this very page: at most
                        // `limit + 1` ids of the pinned clinic, in list order, after the cursor.
                        // The rows themselves are read here by primary key, under RLS, with the
                        // same filters again.
                        query = query.filter(
                            diesel::dsl::sql::<Bool>(
                                "clients.id = ANY(ARRAY(SELECT public.atende_client_search(",
                            )
                            .bind::<Text, _>(contains_pattern(text))
                            .sql(", ")
                            .bind::<Nullable<Text>, _>(
                                filter.digits.as_deref().map(contains_pattern),
                            )
                            .sql(", ")
                            .bind::<Nullable<Text>, _>(filter.status.map(|s| s.as_str()))
                            .sql(", ")
                            .bind::<Nullable<Timestamptz>, _>(after.as_ref().map(|c| c.created_at))
                            .sql(", ")
                            .bind::<Nullable<diesel::sql_types::Uuid>, _>(
                                after.as_ref().map(|c| c.id.0),
                            )
                            .sql(", ")
                            .bind::<Integer, _>(i32::try_from(limit).unwrap_or(i32::MAX - 1) + 1)
                            .sql(")))"),
                        );
                    }
                    let key = after.map(|c| (c.created_at, c.id.0));
                    let rows: Vec<ClientRow> =
                        PAGES.page_time_id(query, key, limit).load(conn).await?;
                    let ids = rows.iter().map(|r| r.id).collect();
                    let identities = identities_of(conn, company, ids).await?;
                    Ok::<_, DbError>((rows, identities))
                })
            })
            .await?;
        let clients = assemble(rows, identities)?;
        Ok(Page::from_rows(clients, limit, Client::cursor))
    }
}
