//! Replies through the clinic's n8n relay: the durable outbox.
//!
//! - [`Outbox::send`] (`POST /api/chat/send`) checks the rules (closed thread, channel identity,
//!   WhatsApp's 24-hour window, `Idempotency-Key`) and stores the `queued` message, its dispatch
//!   job and the key in one transaction;
//! - [`OutboundDispatch`] is the `outbound_dispatch` job handler: one signed call per attempt,
//!   retried with backoff, ending `sent` or `failed`;
//! - [`status_callback`] applies n8n's delivery callbacks (forward only);
//! - [`Outbox::retry`] queues a failed message again.

mod callback;
mod dispatch;
mod retry;
mod send;
#[cfg(test)]
mod testing;

pub use callback::{CallbackOutcome, status_callback};
pub use dispatch::{DispatchSettings, FallbackRelay, OutboundDispatch};
pub use retry::RetryError;
pub use send::{SendReply, SendReplyError, Sent};

use domain::ports::clock::Clock;
use domain::ports::outbox::OutboxStore;
use std::sync::Arc;

/// Attempts of one dispatch job unless configured (`ATENDE_OUTBOX_MAX_ATTEMPTS`).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 6;

/// Delays between attempts unless configured (`ATENDE_OUTBOX_BACKOFF`), in seconds.
pub const DEFAULT_BACKOFF: [u64; 5] = [5, 30, 120, 600, 1800];

/// The send and retry use cases.
#[derive(Clone)]
pub struct Outbox {
    store: Arc<dyn OutboxStore>,
    clock: Arc<dyn Clock>,
    max_attempts: u32,
}

impl Outbox {
    /// Builds the use cases; each dispatch job gets `max_attempts` attempts.
    #[must_use]
    pub fn new(store: Arc<dyn OutboxStore>, clock: Arc<dyn Clock>, max_attempts: u32) -> Self {
        Self {
            store,
            clock,
            max_attempts: max_attempts.max(1),
        }
    }
}

#[cfg(test)]
mod dispatch_tests;
