//! Message search (`GET /api/search/messages`): the text a member types, split into what
//! PostgreSQL's web search syntax reads as it is and the prefix terms (`remarc*`) it does not
//! know, and the hits with their highlighted snippets.

use crate::conversations::Direction;
use crate::{Channel, ClientId, ConversationId, InteractionId};
use chrono::{DateTime, Utc};

/// Longest query text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Fewest letters or digits of a prefix term (`rem*`): a shorter one would expand to most of the
/// vocabulary.
pub const MIN_PREFIX_CHARS: usize = 3;
/// Most prefix terms in one query (each one is a range scan of the index's vocabulary).
pub const MAX_PREFIXES: usize = 5;

/// A prefix term: messages with a word starting with `stem` (after accent folding and stemming
/// by the store), or, `negated`, without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrefixTerm {
    /// Letters and digits only (whatever else the user typed is dropped).
    pub stem: String,
    /// Written `-stem*`: excludes instead of requiring.
    pub negated: bool,
}

/// A checked search query.
///
/// `text` keeps everything but the prefix terms, as typed: words (all required), `"quoted
/// phrases"`, `or` between alternatives, `-word` to exclude (PostgreSQL's
/// `websearch_to_tsquery` syntax, which never fails on user input). `prefixes` are the words
/// written with a trailing `*` outside quotes; every one is required (or excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQuery {
    text: String,
    prefixes: Vec<PrefixTerm>,
}

/// Why a query was refused (the message is safe to show).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Nothing to search for (blank, only punctuation, or only exclusions).
    #[error("must contain a word to search for")]
    Empty,
    /// Over [`MAX_QUERY_CHARS`].
    #[error("at most 200 characters")]
    TooLong,
    /// A prefix term with fewer than [`MIN_PREFIX_CHARS`] letters or digits.
    #[error("a prefix (word*) needs at least 3 letters or digits")]
    ShortPrefix,
    /// Over [`MAX_PREFIXES`] prefix terms.
    #[error("at most 5 prefixes (word*)")]
    TooManyPrefixes,
}

impl MessageQuery {
    /// Checks and splits `raw`.
    ///
    /// # Errors
    /// [`QueryError`].
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let raw = raw.trim();
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryError::TooLong);
        }
        let mut text: Vec<&str> = Vec::new();
        let mut prefixes = Vec::new();
        for token in tokens(raw) {
            match prefix_term(token) {
                Some(Ok(term)) => prefixes.push(term),
                Some(Err(e)) => return Err(e),
                None => text.push(token),
            }
        }
        if prefixes.len() > MAX_PREFIXES {
            return Err(QueryError::TooManyPrefixes);
        }
        // Something must be required: a query of exclusions alone would list every message.
        let wanted = text.iter().any(|t| is_wanted(t)) || prefixes.iter().any(|p| !p.negated);
        if !wanted {
            return Err(QueryError::Empty);
        }
        let text = text.join(" ");
        Ok(Self { text, prefixes })
    }

    /// The part for `websearch_to_tsquery` (may be empty).
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The prefix terms.
    #[must_use]
    pub fn prefixes(&self) -> &[PrefixTerm] {
        &self.prefixes
    }

    /// The prefix terms in `to_tsquery` syntax (`remarc:* & !canc:*`), empty when there are
    /// none. Safe to pass to `to_tsquery` as a bound value: every term is letters and digits
    /// only, and the operators are ours.
    #[must_use]
    pub fn prefix_tsquery(&self) -> String {
        self.prefixes
            .iter()
            .map(|p| format!("{}{}:*", if p.negated { "!" } else { "" }, p.stem))
            .collect::<Vec<_>>()
            .join(" & ")
    }
}

/// Splits on whitespace outside double quotes (a quoted phrase is one token, quotes kept).
fn tokens(raw: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quoted = false;
    for (i, c) in raw.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        if c.is_whitespace() && !quoted {
            if let Some(s) = start.take() {
                out.push(&raw[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push(&raw[s..]);
    }
    out
}

/// Whether a web search token requires something: a word or phrase, not `-word` nor `or`.
fn is_wanted(token: &str) -> bool {
    !token.starts_with('-')
        && !token.eq_ignore_ascii_case("or")
        && token.chars().any(char::is_alphanumeric)
}

/// `Some` when `token` is a prefix term (`word*`, `-word*`, outside quotes).
fn prefix_term(token: &str) -> Option<Result<PrefixTerm, QueryError>> {
    if token.contains('"') || !token.ends_with('*') {
        return None;
    }
    let (negated, body) = match token.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, token),
    };
    let stem: String = body.chars().filter(|c| c.is_alphanumeric()).collect();
    if stem.chars().count() < MIN_PREFIX_CHARS {
        return Some(Err(QueryError::ShortPrefix));
    }
    Some(Ok(PrefixTerm { stem, negated }))
}

/// What else narrows a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MessageSearchFilter {
    /// Only this client's messages.
    pub client_id: Option<ClientId>,
    /// Only messages on this channel.
    pub channel: Option<Channel>,
    /// Messages that occurred at or after.
    pub from: Option<DateTime<Utc>>,
    /// Messages that occurred before.
    pub to: Option<DateTime<Utc>>,
}

/// The sort key of a hit: newest first by when the message occurred, then by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageHitCursor {
    /// When the last message of the previous page occurred.
    pub occurred_at: DateTime<Utc>,
    /// Its id.
    pub id: InteractionId,
}

/// A piece of a snippet: text as stored, and whether it matched the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnippetPart {
    /// The text.
    pub text: String,
    /// Whether it is a match.
    pub highlight: bool,
}

/// A message that matched, with what the search screen shows and the conversation to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHit {
    /// The message.
    pub id: InteractionId,
    /// Its conversation (to open at this message).
    pub conversation_id: ConversationId,
    /// The client it belongs to.
    pub client_id: ClientId,
    /// The client's name, if known.
    pub client_name: Option<String>,
    /// Its channel (`internal` for the clinic's own notes).
    pub channel: Channel,
    /// Who wrote it.
    pub direction: Direction,
    /// When it occurred.
    pub occurred_at: DateTime<Utc>,
    /// The passage of its text that best covers the matches (12 to 30 words; a short message
    /// whole), matches highlighted.
    pub snippet: Vec<SnippetPart>,
}

impl MessageHit {
    /// The key of the page after this hit.
    #[must_use]
    pub fn cursor(&self) -> MessageHitCursor {
        MessageHitCursor {
            occurred_at: self.occurred_at,
            id: self.id,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn words_phrases_and_exclusions_stay_for_websearch() {
        let q = MessageQuery::parse("  \"posso ir\"  amanhã -cancelar or sexta ").unwrap();
        assert_eq!(q.text(), "\"posso ir\" amanhã -cancelar or sexta");
        assert!(q.prefixes().is_empty());
        assert_eq!(q.prefix_tsquery(), "");
    }

    #[test]
    fn prefixes_become_safe_tsquery_terms() {
        let q = MessageQuery::parse("remarc* amanhã -canc* 'x&y|z'!:*").unwrap();
        assert_eq!(q.text(), "amanhã");
        assert_eq!(q.prefix_tsquery(), "remarc:* & !canc:* & xyz:*");
        let accented = MessageQuery::parse("remarcaç*").unwrap();
        assert_eq!(accented.prefix_tsquery(), "remarcaç:*");
        // A star inside quotes is the phrase's business.
        let phrase = MessageQuery::parse("\"remarc* ok\"").unwrap();
        assert_eq!(phrase.text(), "\"remarc* ok\"");
        assert!(phrase.prefixes().is_empty());
    }

    #[test]
    fn bad_queries_are_refused() {
        assert_eq!(MessageQuery::parse("   "), Err(QueryError::Empty));
        assert_eq!(MessageQuery::parse("\"\" - !"), Err(QueryError::Empty));
        assert_eq!(MessageQuery::parse("-remarc*"), Err(QueryError::Empty));
        assert_eq!(MessageQuery::parse("-cancelar or"), Err(QueryError::Empty));
        assert_eq!(MessageQuery::parse("re*"), Err(QueryError::ShortPrefix));
        assert_eq!(MessageQuery::parse("*"), Err(QueryError::ShortPrefix));
        assert_eq!(
            MessageQuery::parse(&"a".repeat(MAX_QUERY_CHARS + 1)),
            Err(QueryError::TooLong)
        );
        assert!(MessageQuery::parse(&"ã".repeat(MAX_QUERY_CHARS)).is_ok());
        assert_eq!(
            MessageQuery::parse("abc* abd* abe* abf* abg* abh*"),
            Err(QueryError::TooManyPrefixes)
        );
        assert!(MessageQuery::parse("-remarc* amanhã").is_ok());
    }
}
