//! [`MessageSearch`] over PostgreSQL: the text search configuration `atende_pt`, the stored
//! `interactions.search_vector` and its GIN index, and the door `atende_message_search`
//! (migration 0023, `docs/performance.md` "Message search").

use crate::conversations::rows::{channel, direction};
use crate::error::DbError;
use crate::pool::Database;
use crate::prepared::Prepare;
use crate::tenant::TenantScope;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::auth::Tenant;
use domain::page::Page;
use domain::ports::search::MessageSearch;
use domain::search::{
    MessageHit, MessageHitCursor, MessageQuery, MessageSearchFilter, SnippetPart,
};
use domain::{ClientId, ConversationId, InteractionId};
use uuid::Uuid;

/// The PostgreSQL adapter of [`MessageSearch`].
#[derive(Clone, Debug)]
pub struct PgMessageSearch {
    db: Database,
}

impl PgMessageSearch {
    /// An adapter over `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// Opens a highlighted match in `ts_headline`'s output (a private-use character, removed from
/// the text first, so it cannot come from a message).
const START: char = '\u{E000}';
/// Closes a highlighted match.
const STOP: char = '\u{E001}';

/// `ts_headline`'s options: the passage of 12 to 30 words that best covers the matches (the
/// whole text of a short message, punctuation included; fragment mode would cut the punctuation
/// after the last word).
const HEADLINE_OPTIONS: &str =
    "StartSel=\u{E000}, StopSel=\u{E001}, MinWords=12, MaxWords=30, ShortWord=2";

/// One page: the query is built once (web search syntax, AND the prefix terms); the door answers
/// `limit + 1` ids of the pinned clinic in list order; the rows are read under RLS by primary
/// key and only they get a snippet (`ts_headline` is the expensive part).
const PAGE: &str = "
WITH q AS MATERIALIZED (
    SELECT websearch_to_tsquery('public.atende_pt'::regconfig, $1::text)
           && to_tsquery('public.atende_pt'::regconfig, $2::text) AS query
)
SELECT i.id, i.conversation_id, i.client_id, c.name AS client_name, i.channel, i.direction,
       i.occurred_at,
       ts_headline('public.atende_pt'::regconfig,
                   translate(coalesce(i.text, ''), E'\\uE000\\uE001', ''),
                   (SELECT query FROM q), $10::text) AS snippet
  FROM public.interactions i
  LEFT JOIN public.clients c ON c.company_id = i.company_id AND c.id = i.client_id
 WHERE i.company_id = $11
   AND i.id = ANY(ARRAY(SELECT public.atende_message_search(
           (SELECT query FROM q), $3, $4, $5, $6, $7, $8, $9)))
 ORDER BY i.occurred_at DESC, i.id DESC";

#[derive(QueryableByName)]
struct HitRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    conversation_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    client_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    client_name: Option<String>,
    #[diesel(sql_type = Text)]
    channel: String,
    #[diesel(sql_type = Text)]
    direction: String,
    #[diesel(sql_type = Timestamptz)]
    occurred_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    snippet: String,
}

impl TryFrom<HitRow> for MessageHit {
    type Error = anyhow::Error;
    fn try_from(row: HitRow) -> anyhow::Result<Self> {
        Ok(Self {
            id: InteractionId(row.id),
            conversation_id: ConversationId(row.conversation_id),
            client_id: ClientId(row.client_id),
            client_name: row.client_name,
            channel: channel(&row.channel)?,
            direction: direction(&row.direction)?,
            occurred_at: row.occurred_at,
            snippet: snippet_parts(&row.snippet),
        })
    }
}

/// `ts_headline`'s output split at its markers into plain and highlighted parts (empty parts
/// dropped; a marker out of place only ends or starts a highlight).
fn snippet_parts(marked: &str) -> Vec<SnippetPart> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut highlight = false;
    let mut flush = |text: &mut String, highlight: bool| {
        if !text.is_empty() {
            parts.push(SnippetPart {
                text: std::mem::take(text),
                highlight,
            });
        }
    };
    for c in marked.chars() {
        match c {
            START => {
                flush(&mut current, highlight);
                highlight = true;
            }
            STOP => {
                flush(&mut current, highlight);
                highlight = false;
            }
            _ => current.push(c),
        }
    }
    flush(&mut current, highlight);
    parts
}

#[async_trait]
impl MessageSearch for PgMessageSearch {
    async fn search(
        &self,
        tenant: Tenant,
        query: MessageQuery,
        filter: MessageSearchFilter,
        after: Option<MessageHitCursor>,
        limit: u32,
    ) -> anyhow::Result<Page<MessageHit, MessageHitCursor>> {
        let company = tenant.company_id;
        let scope = TenantScope {
            company_id: tenant.company_id,
            user_id: tenant.user_id,
        };
        let fetch = i32::try_from(crate::keyset::fetch(limit)).unwrap_or(i32::MAX);
        let rows: Vec<HitRow> = self
            .db
            .replica_tx(scope, move |conn| {
                Box::pin(async move {
                    let rows: Vec<HitRow> = diesel::sql_query(PAGE)
                        .bind::<Text, _>(query.text().to_owned())
                        .bind::<Text, _>(query.prefix_tsquery())
                        .bind::<Nullable<SqlUuid>, _>(filter.client_id.map(|c| c.0))
                        .bind::<Nullable<Text>, _>(filter.channel.map(|c| c.as_str()))
                        .bind::<Nullable<Timestamptz>, _>(filter.from)
                        .bind::<Nullable<Timestamptz>, _>(filter.to)
                        .bind::<Nullable<Timestamptz>, _>(after.map(|c| c.occurred_at))
                        .bind::<Nullable<SqlUuid>, _>(after.map(|c| c.id.0))
                        .bind::<Integer, _>(fetch)
                        .bind::<Text, _>(HEADLINE_OPTIONS)
                        .bind::<SqlUuid, _>(company.0)
                        .prepared()
                        .load(conn)
                        .await?;
                    Ok::<_, DbError>(rows)
                })
            })
            .await?;
        let hits = rows
            .into_iter()
            .map(MessageHit::try_from)
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Page::from_rows(hits, limit, MessageHit::cursor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(parts: &[SnippetPart]) -> String {
        parts
            .iter()
            .map(|p| {
                if p.highlight {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn markers_split_the_snippet_into_highlighted_parts() {
        let marked = "\u{E000}Não\u{E001} posso ir \u{E000}amanhã\u{E001}";
        let parts = snippet_parts(marked);
        assert_eq!(show(&parts), "[Não] posso ir [amanhã]");
        assert_eq!(parts.len(), 3);
        assert!(snippet_parts("").is_empty());
        assert_eq!(show(&snippet_parts("sem destaque")), "sem destaque");
        // A stray closing marker only ends a highlight.
        assert_eq!(show(&snippet_parts("a\u{E001}b\u{E000}c")), "ab[c]");
    }
}
