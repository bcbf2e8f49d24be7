//! `GET/PATCH /api/settings`: validated per field.

use super::Reads;
use crate::inbound::FieldIssue;
use domain::CompanyId;
use domain::auth::Email;
use domain::phone::{Phone, Region};
use domain::reads::{ClinicSettings, SettingsPatch, TimeRange, WorkingHours};

/// Days accepted in `working_hours`.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Locales Atende writes in.
pub const LOCALES: [&str; 3] = ["pt-BR", "en-US", "es-ES"];
/// Ranges allowed per day.
pub const MAX_RANGES_PER_DAY: usize = 4;

/// Why settings could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Some fields are invalid; nothing changed.
    #[error("invalid settings")]
    Invalid(Vec<FieldIssue>),
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

fn minutes(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// The issues of a week of opening hours, named under `prefix` (`working_hours`,
/// `weekly_hours`).
pub(crate) fn check_hours(prefix: &str, hours: &WorkingHours, issues: &mut Vec<FieldIssue>) {
    for (day, ranges) in hours {
        let field = format!("{prefix}.{day}");
        if !DAYS.contains(&day.as_str()) {
            issues.push(FieldIssue::new(
                field,
                "must be one of mon, tue, wed, thu, fri, sat, sun",
            ));
            continue;
        }
        if ranges.len() > MAX_RANGES_PER_DAY {
            issues.push(FieldIssue::new(field.clone(), "at most 4 ranges a day"));
        }
        let mut parsed: Vec<(u32, u32)> = Vec::new();
        for (i, TimeRange { start, end }) in ranges.iter().enumerate() {
            match (minutes(start), minutes(end)) {
                (Some(s), Some(e)) if s < e => parsed.push((s, e)),
                (Some(_), Some(_)) => issues.push(FieldIssue::new(
                    format!("{field}[{i}]"),
                    "start must be before end",
                )),
                _ => issues.push(FieldIssue::new(
                    format!("{field}[{i}]"),
                    "times must be HH:MM",
                )),
            }
        }
        parsed.sort_unstable();
        if parsed.windows(2).any(|w| w[1].0 < w[0].1) {
            issues.push(FieldIssue::new(field, "ranges must not overlap"));
        }
    }
}

impl Reads {
    /// The clinic's settings (any member).
    ///
    /// # Errors
    /// When the store fails.
    pub async fn settings(&self, company: CompanyId) -> anyhow::Result<ClinicSettings> {
        self.settings.get(company).await
    }

    /// Validates every given field (e-mail, E.164 phone, https logo, IANA timezone, supported
    /// locale, HH:MM ranges with start < end, no overlaps, at most 4 a day) and applies them
    /// all, or none. Admins only (checked by the caller).
    ///
    /// # Errors
    /// [`SettingsError::Invalid`] naming each bad field.
    pub async fn update_settings(
        &self,
        company: CompanyId,
        mut patch: SettingsPatch,
    ) -> Result<ClinicSettings, SettingsError> {
        let mut issues = Vec::new();
        if let Some(hours) = &patch.working_hours {
            check_hours("working_hours", hours, &mut issues);
        }
        if let Some(Some(email)) = &patch.contact_email {
            match Email::parse(email) {
                Ok(e) => patch.contact_email = Some(Some(e.as_str().to_owned())),
                Err(_) => issues.push(FieldIssue::new(
                    "contact_email",
                    "not a valid e-mail address",
                )),
            }
        }
        if let Some(Some(phone)) = &patch.contact_phone {
            match Phone::parse(phone, Region::BR) {
                Ok(p) => patch.contact_phone = Some(Some(p.as_str().to_owned())),
                Err(_) => issues.push(FieldIssue::new("contact_phone", "not a valid phone number")),
            }
        }
        if let Some(Some(url)) = &patch.logo_url
            && (!url.starts_with("https://")
                || url.len() > 2048
                || url.len() < 9
                || url.chars().any(char::is_whitespace))
        {
            issues.push(FieldIssue::new("logo_url", "must be an https URL"));
        }
        if let Some(locale) = &patch.locale
            && !LOCALES.contains(&locale.as_str())
        {
            issues.push(FieldIssue::new("locale", "must be pt-BR, en-US or es-ES"));
        }
        if let Some(h) = patch.conversation_window_hours
            && !(1..=720).contains(&h)
        {
            issues.push(FieldIssue::new(
                "conversation_window_hours",
                "must be between 1 and 720",
            ));
        }
        if let Some(b) = patch.buffer_minutes
            && b > domain::availability::MAX_BUFFER_MINUTES
        {
            issues.push(FieldIssue::new(
                "buffer_minutes",
                "must be between 0 and 240",
            ));
        }
        if let Some(s) = patch.slot_step_minutes
            && !domain::availability::SLOT_STEP_MINUTES.contains(&s)
        {
            issues.push(FieldIssue::new(
                "slot_step_minutes",
                "must be between 5 and 240",
            ));
        }
        if let Some(tz) = &patch.timezone
            && (tz.len() > 64 || !self.settings.timezone_exists(tz.clone()).await?)
        {
            issues.push(FieldIssue::new(
                "timezone",
                "must be an IANA timezone such as America/Sao_Paulo",
            ));
        }
        if !issues.is_empty() {
            return Err(SettingsError::Invalid(issues));
        }
        Ok(self.settings.update(company, patch).await?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use domain::ports::clock::MockClock;
    use domain::ports::reads::{MockReadModels, MockSettingsRepository};
    use std::sync::Arc;

    fn range(s: &str, e: &str) -> TimeRange {
        TimeRange {
            start: s.into(),
            end: e.into(),
        }
    }

    #[tokio::test]
    async fn invalid_fields_are_named_and_nothing_is_written() {
        let mut repo = MockSettingsRepository::new();
        repo.expect_timezone_exists()
            .returning(|tz| Ok(tz == "America/Sao_Paulo"));
        repo.expect_update().never();
        let reads = Reads::new(
            Arc::new(MockReadModels::new()),
            Arc::new(repo),
            Arc::new(MockClock::new()),
        );
        let mut hours = WorkingHours::new();
        hours.insert(
            "mon".into(),
            vec![range("08:00", "12:00"), range("11:00", "13:00")],
        );
        hours.insert("tue".into(), vec![range("14:00", "09:00")]);
        hours.insert("wed".into(), vec![range("8h", "12:00")]);
        hours.insert("thu".into(), vec![range("01:00", "02:00"); 5]);
        hours.insert("holiday".into(), vec![]);
        let patch = SettingsPatch {
            working_hours: Some(hours),
            contact_email: Some(Some("nope".into())),
            contact_phone: Some(Some("123".into())),
            logo_url: Some(Some("http://x/logo.png".into())),
            timezone: Some("Mars/Olympus".into()),
            locale: Some("fr-FR".into()),
            conversation_window_hours: Some(0),
            buffer_minutes: Some(241),
            slot_step_minutes: Some(4),
        };
        let SettingsError::Invalid(issues) = reads
            .update_settings(CompanyId::new(), patch)
            .await
            .unwrap_err()
        else {
            panic!("expected invalid")
        };
        let fields: Vec<_> = issues.iter().map(|i| i.field.as_str()).collect();
        for f in [
            "working_hours.mon",
            "working_hours.tue[0]",
            "working_hours.wed[0]",
            "working_hours.thu",
            "working_hours.holiday",
            "contact_email",
            "contact_phone",
            "logo_url",
            "timezone",
            "locale",
            "conversation_window_hours",
            "buffer_minutes",
            "slot_step_minutes",
        ] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
    }

    #[tokio::test]
    async fn valid_values_are_normalised_before_they_are_stored() {
        let mut repo = MockSettingsRepository::new();
        repo.expect_timezone_exists().returning(|_| Ok(true));
        repo.expect_update()
            .withf(|_, p| {
                p.contact_phone == Some(Some("+5511987654321".into()))
                    && p.contact_email == Some(Some("oi@clinica.com".into()))
            })
            .times(1)
            .returning(|_, _| {
                Ok(ClinicSettings {
                    working_hours: WorkingHours::new(),
                    contact_email: None,
                    contact_phone: None,
                    logo_url: None,
                    timezone: "America/Sao_Paulo".into(),
                    locale: "pt-BR".into(),
                    conversation_window_hours: 24,
                    buffer_minutes: 0,
                    slot_step_minutes: 15,
                })
            });
        let reads = Reads::new(
            Arc::new(MockReadModels::new()),
            Arc::new(repo),
            Arc::new(MockClock::new()),
        );
        let patch = SettingsPatch {
            contact_email: Some(Some(" Oi@Clinica.com ".into())),
            contact_phone: Some(Some("(11) 98765-4321".into())),
            timezone: Some("America/Manaus".into()),
            ..SettingsPatch::default()
        };
        reads
            .update_settings(CompanyId::new(), patch)
            .await
            .unwrap();
    }
}
