//! Conversation labels (issue 19, item 5): the clinic's labels (admins create, rename, recolour
//! and delete them; the HTTP layer checks the role) and their attachment to threads (any member).
//!
//! [`Labels`] holds the ports; each use case is a method with its own error enum.

mod attach;
mod manage;

pub use attach::AttachError;
pub use manage::{DeleteLabelError, LabelPatch, WriteLabelError};

use domain::ports::clock::Clock;
use domain::ports::labels::LabelRepository;
use std::sync::Arc;

/// The label use cases.
#[derive(Clone)]
pub struct Labels {
    repo: Arc<dyn LabelRepository>,
    clock: Arc<dyn Clock>,
}

impl Labels {
    /// Builds the use cases over their ports.
    #[must_use]
    pub fn new(repo: Arc<dyn LabelRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, clock }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    #![allow(clippy::unwrap_used)]
    use chrono::{TimeZone, Utc};
    use domain::LabelId;
    use domain::labels::{Label, LabelFields};

    /// A stored label.
    pub fn stored(name: &str, colour: &str) -> Label {
        let at = Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap();
        Label {
            id: LabelId::new(),
            fields: LabelFields {
                name: name.into(),
                colour: colour.into(),
            },
            created_at: at,
            updated_at: at,
        }
    }
}
