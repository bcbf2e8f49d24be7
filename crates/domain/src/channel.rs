//! The channels a clinic talks to its patients on.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A messaging channel. `Internal` is for notes and messages recorded by the clinic itself; a
/// patient identity is never on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// WhatsApp (Cloud API, through n8n or Meta directly).
    Whatsapp,
    /// Instagram Direct.
    Instagram,
    /// E-mail.
    Email,
    /// SMS.
    Sms,
    /// Recorded by the clinic itself.
    Internal,
}

/// The text is not a known channel.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel")]
pub struct UnknownChannel;

impl Channel {
    /// The stored (and wire) name.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Whatsapp => "whatsapp",
            Self::Instagram => "instagram",
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Internal => "internal",
        }
    }

    /// Whether a patient identity can live on this channel.
    #[must_use]
    pub fn is_patient_channel(&self) -> bool {
        !matches!(self, Self::Internal)
    }
}

impl FromStr for Channel {
    type Err = UnknownChannel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "whatsapp" => Ok(Self::Whatsapp),
            "instagram" => Ok(Self::Instagram),
            "email" => Ok(Self::Email),
            "sms" => Ok(Self::Sms),
            "internal" => Ok(Self::Internal),
            _ => Err(UnknownChannel),
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_its_name() {
        for c in [
            Channel::Whatsapp,
            Channel::Instagram,
            Channel::Email,
            Channel::Sms,
            Channel::Internal,
        ] {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert!("telegram".parse::<Channel>().is_err());
    }
}
