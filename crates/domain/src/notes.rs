//! Internal notes: a member's private remark on a conversation (issue 19, item 6).
//!
//! A note is not a message. It is stored apart from `interactions`, so it is never dispatched to
//! the patient (no outbox job), never counted as unread, never moves the inbox's last message, and
//! never reaches the analyst, which reads messages only. The history shows the notes that fall
//! inside each page of messages ([`NoteWindow`]).

use crate::conversations::SortCursor;
use crate::{ConversationId, NoteId, UserId};
use chrono::{DateTime, Utc};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// The most notes shown beside one page of messages (the newest of its window).
pub const MAX_NOTES_PER_PAGE: u32 = 500;

/// Who wrote a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteAuthor {
    /// The member.
    pub id: UserId,
    /// Their name as it is now.
    pub name: String,
}

/// A stored note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Its id.
    pub id: NoteId,
    /// Its thread.
    pub conversation_id: ConversationId,
    /// Who wrote it (`None` for an API token, which acts for no member).
    pub author: Option<NoteAuthor>,
    /// Its text (trimmed, 1 to [`MAX_NOTE_CHARS`] characters).
    pub text: String,
    /// When it was written (its place in the history).
    pub created_at: DateTime<Utc>,
}

/// A note to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    /// Its id (v7).
    pub id: NoteId,
    /// The thread.
    pub conversation_id: ConversationId,
    /// The member writing it, if the caller is one.
    pub author_id: Option<UserId>,
    /// The text, already checked by [`clean_note`].
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The notes shown beside one page of a thread's history (newest first by `(created_at, id)`,
/// as messages are by `(occurred_at, id)`): those older than the page's cursor (`before`,
/// exclusive; `None` on the first page) and not older than its last message (`from`, inclusive;
/// `None` on the last page, which reaches back to the start). Consecutive pages therefore show
/// every note exactly once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoteWindow {
    /// The cursor the page was asked with.
    pub before: Option<SortCursor>,
    /// The key of the page's last message when older pages follow.
    pub from: Option<SortCursor>,
}

/// The trimmed text of a note, or why it is refused.
///
/// # Errors
/// A message naming the rule when the text is blank or longer than [`MAX_NOTE_CHARS`].
pub fn clean_note(raw: &str) -> Result<String, String> {
    let text = raw.trim();
    let n = text.chars().count();
    if n == 0 || n > MAX_NOTE_CHARS {
        return Err(format!("1 to {MAX_NOTE_CHARS} characters"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_trimmed_and_bounded() {
        assert_eq!(
            clean_note("  ligar amanhã \n").as_deref(),
            Ok("ligar amanhã")
        );
        assert!(clean_note("   ").is_err());
        assert!(clean_note(&"a".repeat(MAX_NOTE_CHARS)).is_ok());
        assert!(clean_note(&"á".repeat(MAX_NOTE_CHARS + 1)).is_err());
    }
}
