//! Read models of the frontend's Home and inbox screens, and the clinic's settings.

use crate::conversations::{DeliveryStatus, Direction, SortCursor};
use crate::{Channel, ClientId, ConversationId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The counts of the Home screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeCounts {
    /// Non-canceled appointments starting today in the clinic's timezone.
    pub appointments_today: u64,
    /// Active threads.
    pub open_conversations: u64,
    /// Unread inbound messages of active threads.
    pub unread_inbound: u64,
    /// The clinic's locale (for the quick actions' labels).
    pub locale: String,
    /// Payments received today in the clinic's timezone, per currency.
    pub received_today: Vec<crate::payments::MoneyTotal>,
}

/// One active conversation in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxItem {
    /// The thread.
    pub conversation_id: ConversationId,
    /// The patient.
    pub client_id: ClientId,
    /// The patient's name.
    pub client_name: Option<String>,
    /// The patient's phone.
    pub client_phone: Option<String>,
    /// The channel of the last message.
    pub channel: Channel,
    /// The last message's snippet, direction, time and status.
    pub last_message: Option<InboxLastMessage>,
    /// Unread inbound messages.
    pub unread_count: u32,
    /// When the thread started.
    pub started_at: DateTime<Utc>,
    /// The keyset position of this row.
    pub cursor: SortCursor,
}

/// The last message shown in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxLastMessage {
    /// Up to 120 characters.
    pub snippet: Option<String>,
    /// Inbound or outbound.
    pub direction: Direction,
    /// When.
    pub at: DateTime<Utc>,
    /// Its delivery status.
    pub status: DeliveryStatus,
}

/// Inbox filters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxFilter {
    /// Only threads whose last message is on this channel.
    pub channel: Option<Channel>,
    /// Only threads with unread messages.
    pub unread_only: bool,
    /// Only threads carrying this label (an id that is not the clinic's matches none).
    pub label: Option<crate::LabelId>,
}

/// One opening range of a day (`"08:00"`–`"12:00"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM` (after start).
    pub end: String,
}

/// Opening hours per weekday (`mon` … `sun`).
pub type WorkingHours = BTreeMap<String, Vec<TimeRange>>;

/// The clinic's basic settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicSettings {
    /// Opening hours.
    pub working_hours: WorkingHours,
    /// Contact e-mail.
    pub contact_email: Option<String>,
    /// Contact phone (E.164).
    pub contact_phone: Option<String>,
    /// Logo (https).
    pub logo_url: Option<String>,
    /// IANA timezone (`America/Sao_Paulo`).
    pub timezone: String,
    /// `pt-BR`, `en-US` or `es-ES`.
    pub locale: String,
    /// The reopen window of conversations, in hours.
    pub conversation_window_hours: u32,
    /// Minutes kept free after every open appointment of a professional (0–240).
    pub buffer_minutes: u32,
    /// Spacing of the start times availability offers, in minutes (5–240).
    pub slot_step_minutes: u32,
}

/// A partial update of the settings: `None` keeps a field; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    /// New opening hours.
    pub working_hours: Option<WorkingHours>,
    /// New contact e-mail.
    pub contact_email: Option<Option<String>>,
    /// New contact phone.
    pub contact_phone: Option<Option<String>>,
    /// New logo.
    pub logo_url: Option<Option<String>>,
    /// New timezone.
    pub timezone: Option<String>,
    /// New locale.
    pub locale: Option<String>,
    /// New reopen window.
    pub conversation_window_hours: Option<u32>,
    /// New buffer between appointments.
    pub buffer_minutes: Option<u32>,
    /// New spacing of offered start times.
    pub slot_step_minutes: Option<u32>,
}

/// An upcoming appointment on a client's profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpcomingAppointment {
    /// Its id.
    pub id: crate::AppointmentId,
    /// The service.
    pub service_id: crate::ServiceId,
    /// The service's name.
    pub service_name: String,
    /// The professional.
    pub user_id: Option<crate::UserId>,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// `scheduled` or `confirmed`.
    pub status: String,
}

/// A client's profile: the client, the newest AI context snapshot and the recent activity.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientProfile {
    /// The client with identities.
    pub client: crate::clients::Client,
    /// The newest AI context snapshot.
    pub latest_snapshot: Option<crate::snapshots::Snapshot>,
    /// Recent activity and stats.
    pub activity: ProfileActivity,
}

/// What a client's profile shows besides the client and the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileActivity {
    /// The last 10 messages across threads, newest first.
    pub recent_interactions: Vec<crate::conversations::Interaction>,
    /// The last 5 threads, newest first.
    pub recent_conversations: Vec<crate::conversations::Conversation>,
    /// The next 5 non-canceled appointments from now.
    pub upcoming_appointments: Vec<UpcomingAppointment>,
    /// Non-canceled appointments, past and future.
    pub appointments_total: u64,
    /// Missed appointments.
    pub no_show_count: u64,
    /// The last completed appointment.
    pub last_visit_at: Option<DateTime<Utc>>,
    /// What the client owes and has paid, per currency.
    pub balances: Vec<crate::payments::ClientBalance>,
    /// The last 5 payments, newest first.
    pub recent_payments: Vec<crate::payments::Payment>,
}
