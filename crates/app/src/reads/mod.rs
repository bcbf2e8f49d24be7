//! What the frontend reads: the Home summary, the inbox, and the clinic's settings.

mod home;
mod profile;
mod settings;

pub use home::{HomeSummary, InboxPage, QuickAction};
pub use profile::{Profile, ProfileError, Profiles};
pub use settings::SettingsError;
pub(crate) use settings::check_hours;

use domain::ports::clock::Clock;
use domain::ports::reads::{ReadModels, SettingsRepository};
use std::sync::Arc;

/// The read use cases.
#[derive(Clone)]
pub struct Reads {
    models: Arc<dyn ReadModels>,
    settings: Arc<dyn SettingsRepository>,
    clock: Arc<dyn Clock>,
}

impl Reads {
    /// Builds the use cases over their ports.
    #[must_use]
    pub fn new(
        models: Arc<dyn ReadModels>,
        settings: Arc<dyn SettingsRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            models,
            settings,
            clock,
        }
    }
}
