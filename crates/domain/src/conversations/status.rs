//! Delivery statuses and the rule that they only move forward.

use serde::{Deserialize, Serialize};

/// The status of a message. Inbound messages are `Received`; outbound ones move
/// `Queued < Sent < Delivered < Read`, or end `Failed` (from `Queued` or `Sent` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// An inbound message, stored.
    Received,
    /// Outbound, waiting to be dispatched.
    Queued,
    /// Accepted by the relay / provider.
    Sent,
    /// Delivered to the patient's device.
    Delivered,
    /// Read by the patient.
    Read,
    /// Could not be delivered.
    Failed,
}

/// The effect of a status update on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// Move to the new status (and stamp its time; a `Read` without `Delivered` stamps both).
    Advance,
    /// Ignore: the update is late, repeated or would move the status backwards.
    Ignore,
}

impl DeliveryStatus {
    /// The stored name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "received" => Self::Received,
            "queued" => Self::Queued,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "failed" => Self::Failed,
            _ => return None,
        })
    }

    fn rank(self) -> u8 {
        match self {
            Self::Received | Self::Queued => 0,
            Self::Sent => 1,
            Self::Delivered => 2,
            Self::Read => 3,
            Self::Failed => 4,
        }
    }

    /// Whether an outbound message in `self` may move to `next`: forward only; `Failed` only from
    /// `Queued` or `Sent`; nothing leaves `Failed` (a retry re-queues explicitly) or `Received`.
    #[must_use]
    pub fn transition(self, next: Self) -> StatusChange {
        use DeliveryStatus::{Delivered, Failed, Queued, Read, Received, Sent};
        let ok = match (self, next) {
            (Received, _) | (_, Received) | (_, Queued) | (Failed, _) => false,
            (Queued | Sent, Failed) => true,
            (Delivered | Read, Failed) => false,
            (from, to) => to.rank() > from.rank(),
        };
        if ok {
            StatusChange::Advance
        } else {
            StatusChange::Ignore
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryStatus::*;
    use super::*;

    #[test]
    fn statuses_only_move_forward() {
        assert_eq!(Queued.transition(Sent), StatusChange::Advance);
        assert_eq!(Sent.transition(Delivered), StatusChange::Advance);
        assert_eq!(Delivered.transition(Read), StatusChange::Advance);
        assert_eq!(Sent.transition(Read), StatusChange::Advance);
        assert_eq!(Queued.transition(Read), StatusChange::Advance);
        assert_eq!(Read.transition(Delivered), StatusChange::Ignore);
        assert_eq!(Delivered.transition(Sent), StatusChange::Ignore);
        assert_eq!(Delivered.transition(Delivered), StatusChange::Ignore);
    }

    #[test]
    fn failed_follows_only_queued_or_sent_and_is_final() {
        assert_eq!(Queued.transition(Failed), StatusChange::Advance);
        assert_eq!(Sent.transition(Failed), StatusChange::Advance);
        assert_eq!(Delivered.transition(Failed), StatusChange::Ignore);
        assert_eq!(Read.transition(Failed), StatusChange::Ignore);
        assert_eq!(Failed.transition(Delivered), StatusChange::Ignore);
        assert_eq!(Failed.transition(Sent), StatusChange::Ignore);
    }

    #[test]
    fn inbound_messages_have_no_delivery_lifecycle() {
        for s in [Queued, Sent, Delivered, Read, Failed] {
            assert_eq!(Received.transition(s), StatusChange::Ignore);
        }
        for s in [Received, Queued, Sent, Delivered, Read, Failed] {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
    }
}
