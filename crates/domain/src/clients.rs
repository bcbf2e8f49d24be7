//! Clients (patients and leads) and the channel identities they are reached on.

use crate::ClientId;
use crate::auth::Email;
use crate::channel::Channel;
use crate::phone::Phone;
use chrono::{DateTime, Utc};
use std::str::FromStr;
use uuid::Uuid;

/// Longest client name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest notes, in characters.
pub const MAX_NOTES_CHARS: usize = 2000;
/// Most tags on one client.
pub const MAX_TAGS: usize = 20;
/// Longest tag, in characters.
pub const MAX_TAG_CHARS: usize = 50;

/// Where a client is in the clinic's funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientStatus {
    /// Known from a message, not yet a patient (what webhooks create).
    Lead,
    /// A patient (the default of clients created by staff).
    Active,
    /// No longer followed up.
    Inactive,
}

impl ClientStatus {
    /// The stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
}

impl FromStr for ClientStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lead" => Ok(Self::Lead),
            "active" => Ok(Self::Active),
            "inactive" => Ok(Self::Inactive),
            other => Err(format!("unknown client status {other:?}")),
        }
    }
}

/// The canonical WhatsApp id of a contact: the phone's digits with the Brazilian ninth digit
/// (`5511987654321`, whether WhatsApp sent it with or without), or a business-scoped user id
/// (`BR.1234…`) when WhatsApp withholds the number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WhatsappId(String);

/// The text is neither a phone number nor a business-scoped user id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a WhatsApp id")]
pub struct InvalidWhatsappId;

impl WhatsappId {
    /// Canonicalises what WhatsApp sends as `wa_id`/`from`: digits with the country code (the
    /// ninth digit added to Brazilian mobiles), or `CC.` followed by 1 to 128 letters/digits.
    ///
    /// # Errors
    /// [`InvalidWhatsappId`] for anything else.
    pub fn parse(raw: &str) -> Result<Self, InvalidWhatsappId> {
        let raw = raw.trim();
        let b = raw.as_bytes();
        if b.len() > 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_uppercase() && b[2] == b'.' {
            let rest = &raw[3..];
            return if rest.len() <= 128 && rest.bytes().all(|c| c.is_ascii_alphanumeric()) {
                Ok(Self(raw.to_owned()))
            } else {
                Err(InvalidWhatsappId)
            };
        }
        let digits = raw.strip_prefix('+').unwrap_or(raw);
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(InvalidWhatsappId);
        }
        Phone::parse(&format!("+{digits}"), crate::phone::Region::BR)
            .map(|p| Self::from_phone(&p))
            .map_err(|_| InvalidWhatsappId)
    }

    /// The WhatsApp id of a phone number.
    #[must_use]
    pub fn from_phone(phone: &Phone) -> Self {
        Self(phone.digits().to_owned())
    }

    /// The canonical text stored in `client_identities.external_id`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An Instagram username: without `@`, lower-cased, 1 to 30 letters, digits, `.` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstagramUsername(String);

/// The text is not an Instagram username.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid Instagram username")]
pub struct InvalidInstagramUsername;

impl InstagramUsername {
    /// Normalises `raw` (`@Ana.Souza` → `ana.souza`).
    ///
    /// # Errors
    /// [`InvalidInstagramUsername`] for an empty, too long or ill-formed name.
    pub fn parse(raw: &str) -> Result<Self, InvalidInstagramUsername> {
        let value = raw.trim();
        let value = value.strip_prefix('@').unwrap_or(value).to_lowercase();
        let ok = (1..=30).contains(&value.len())
            && value
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'.' || c == b'_');
        if ok {
            Ok(Self(value))
        } else {
            Err(InvalidInstagramUsername)
        }
    }

    /// The username.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a client is reached on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIdentity {
    /// The identity's id.
    pub id: Uuid,
    /// The channel.
    pub channel: Channel,
    /// The channel's canonical id of the contact (see [`WhatsappId`]).
    pub external_id: String,
    /// What to show (the formatted phone, the username, …).
    pub display_value: Option<String>,
    /// The phone behind the identity, when known.
    pub phone: Option<Phone>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// An identity to record with a new client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClientIdentity {
    /// The channel.
    pub channel: Channel,
    /// The canonical external id.
    pub external_id: String,
    /// What to show.
    pub display_value: Option<String>,
    /// The phone behind the identity, when known.
    pub phone: Option<Phone>,
}

impl NewClientIdentity {
    /// The WhatsApp identity a phone number implies.
    #[must_use]
    pub fn whatsapp(phone: &Phone) -> Self {
        Self {
            channel: Channel::Whatsapp,
            external_id: WhatsappId::from_phone(phone).as_str().to_owned(),
            display_value: Some(phone.as_str().to_owned()),
            phone: Some(phone.clone()),
        }
    }
}

/// A client with its identities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Its id.
    pub id: ClientId,
    /// Display name.
    pub name: Option<String>,
    /// E.164 phone, unique in the clinic.
    pub phone: Option<Phone>,
    /// Lower-cased e-mail.
    pub email: Option<Email>,
    /// Instagram username.
    pub instagram_username: Option<InstagramUsername>,
    /// Free-text notes.
    pub notes: Option<String>,
    /// Labels.
    pub tags: Vec<String>,
    /// Funnel status.
    pub status: ClientStatus,
    /// Channel identities.
    pub identities: Vec<ClientIdentity>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl Client {
    /// The contact fields as a [`ClientFields`] (what a change starts from).
    #[must_use]
    pub fn fields(&self) -> ClientFields {
        ClientFields {
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            instagram_username: self.instagram_username.clone(),
            notes: self.notes.clone(),
            tags: self.tags.clone(),
            status: self.status,
        }
    }

    /// The sort key of the client list.
    #[must_use]
    pub fn cursor(&self) -> ClientCursor {
        ClientCursor {
            created_at: self.created_at,
            id: self.id,
        }
    }
}

/// The writable fields of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFields {
    /// Display name (trimmed, 1 to 200 characters).
    pub name: Option<String>,
    /// E.164 phone.
    pub phone: Option<Phone>,
    /// E-mail.
    pub email: Option<Email>,
    /// Instagram username.
    pub instagram_username: Option<InstagramUsername>,
    /// Notes (up to 2,000 characters).
    pub notes: Option<String>,
    /// Tags (at most 20, each 1 to 50 characters, no duplicates).
    pub tags: Vec<String>,
    /// Funnel status.
    pub status: ClientStatus,
}

impl ClientFields {
    /// Whether the client can be told apart: at least one of name, phone, e-mail or Instagram.
    #[must_use]
    pub fn has_contact(&self) -> bool {
        self.name.is_some()
            || self.phone.is_some()
            || self.email.is_some()
            || self.instagram_username.is_some()
    }
}

/// A client to create, with the identities to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    /// The new id (v7).
    pub id: ClientId,
    /// Its fields.
    pub fields: ClientFields,
    /// Its identities (the WhatsApp identity of its phone, …).
    pub identities: Vec<NewClientIdentity>,
}

/// A full replacement of a client's fields, applied only if the client was not changed since
/// `expected_updated_at` (optimistic concurrency).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientUpdate {
    /// The new fields.
    pub fields: ClientFields,
    /// The `updated_at` the change was computed from.
    pub expected_updated_at: DateTime<Utc>,
    /// The phone before the change, whose WhatsApp identity is replaced when the phone changes.
    pub previous_phone: Option<Phone>,
}

/// The sort key of the client list (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientCursor {
    /// Creation time of the last client of the previous page.
    pub created_at: DateTime<Utc>,
    /// Its id (tie-breaker).
    pub id: ClientId,
}

/// What the client list shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientFilter {
    /// Search text: matched against the folded name, e-mail and Instagram username.
    pub text: Option<String>,
    /// Search digits: matched against the phone with and without the ninth digit.
    pub digits: Option<String>,
    /// Only this status.
    pub status: Option<ClientStatus>,
    /// Only clients with this tag (ignoring case; one whole tag, not a part of one).
    pub tag: Option<String>,
}

impl ClientFilter {
    /// The search parts of a free-text query: the text itself (always), plus its digits when it
    /// looks like (part of) a phone number (only digits and phone punctuation, at least three
    /// digits). A leading trunk `0` or international `00` is dropped from the digits.
    #[must_use]
    pub fn search(q: &str) -> (Option<String>, Option<String>) {
        let q = q.trim();
        if q.is_empty() {
            return (None, None);
        }
        let phone_like = q
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '+'));
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        let digits = digits.trim_start_matches('0').to_owned();
        let digits = (phone_like && digits.len() >= 3).then_some(digits);
        (Some(q.to_owned()), digits)
    }
}

/// Cleans a free-text field: trimmed; `None` when empty.
#[must_use]
pub fn clean_text(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// Cleans tags: trimmed, empty ones dropped, duplicates (case-insensitive) removed, order kept.
#[must_use]
pub fn clean_tags(raw: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for tag in raw {
        let t = tag.trim();
        if !t.is_empty() && !out.iter().any(|o| o.to_lowercase() == t.to_lowercase()) {
            out.push(t.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whatsapp_ids_are_canonical() {
        let with = WhatsappId::parse("5511987654321");
        let without = WhatsappId::parse("551187654321");
        assert_eq!(with, without);
        assert_eq!(with.map(|w| w.0), Ok("5511987654321".to_owned()));
        assert_eq!(
            WhatsappId::parse("BR.1347120865530274").map(|w| w.0),
            Ok("BR.1347120865530274".to_owned())
        );
        for bad in ["", "abc", "BR.", "br.123", "BR.12-3", "55 11 98765"] {
            assert_eq!(WhatsappId::parse(bad), Err(InvalidWhatsappId), "{bad}");
        }
    }

    #[test]
    fn instagram_usernames_are_normalised() {
        assert_eq!(
            InstagramUsername::parse(" @Ana.Souza_ ").map(|u| u.0),
            Ok("ana.souza_".to_owned())
        );
        for bad in ["", "@", "ana souza", "a".repeat(31).as_str(), "ana!"] {
            assert_eq!(InstagramUsername::parse(bad), Err(InvalidInstagramUsername));
        }
    }

    #[test]
    fn search_splits_text_and_phone_digits() {
        assert_eq!(
            ClientFilter::search("11 98765"),
            (Some("11 98765".into()), Some("1198765".into()))
        );
        assert_eq!(
            ClientFilter::search("+55 11 8765-4321"),
            (Some("+55 11 8765-4321".into()), Some("551187654321".into()))
        );
        assert_eq!(ClientFilter::search("joao"), (Some("joao".into()), None));
        assert_eq!(ClientFilter::search("Ana 2"), (Some("Ana 2".into()), None));
        assert_eq!(ClientFilter::search("  "), (None, None));
    }

    #[test]
    fn tags_are_cleaned() {
        let tags = clean_tags(vec![
            " vip ".into(),
            "VIP".into(),
            String::new(),
            "botox".into(),
        ]);
        assert_eq!(tags, ["vip", "botox"]);
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            ClientStatus::Lead,
            ClientStatus::Active,
            ClientStatus::Inactive,
        ] {
            assert_eq!(s.as_str().parse(), Ok(s));
        }
    }
}
