//! Conversation threads and their messages (interactions).
//!
//! A patient has at most one `active` thread, across channels. A thread is reused while its last
//! message (or its start, when it has none) is within the clinic's reopen window; after that the
//! stale thread is closed with `window_expired` and a new one opens ([`reopen_decision`]).

mod interaction;
mod status;
mod thread;

pub use interaction::{ContentType, Direction, Interaction, InteractionSource, NewInteraction};
pub use status::{DeliveryStatus, StatusChange};
pub use thread::{
    ClientSummary, Conversation, ConversationFilter, LastMessage, ReopenDecision, SortCursor,
    ThreadStatus, reopen_decision,
};

/// Why a thread was closed when the reopen window expired.
pub const CLOSE_REASON_WINDOW_EXPIRED: &str = "window_expired";

/// The longest snippet kept on a thread for the inbox.
pub const SNIPPET_CHARS: usize = 120;

/// The first [`SNIPPET_CHARS`] characters of `text`, whitespace collapsed.
#[must_use]
pub fn snippet(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    collapsed.chars().take(SNIPPET_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_short_and_single_line() {
        assert_eq!(snippet("  Oi,\n tudo   bem? "), "Oi, tudo bem?");
        assert_eq!(snippet(&"á".repeat(500)).chars().count(), SNIPPET_CHARS);
    }
}
