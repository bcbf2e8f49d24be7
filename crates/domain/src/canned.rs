//! Canned responses (issue 19, item 7): the rules of a saved reply's shortcut and template, and
//! the rendering of its placeholders in pt-BR. Pure: the clinic-local time of the next
//! appointment is computed by the adapter (PostgreSQL's time-zone database, as everywhere else)
//! and handed in as a wall-clock time.
//!
//! Placeholders are `{{name}}` (spaces inside the braces allowed). An unknown name is refused
//! when the template is saved ([`Template::parse`]), so a stored template only names known
//! ones. A placeholder whose value is missing when rendering (a patient without a name, a clinic
//! without an address, no upcoming appointment) makes the rendering fail naming it
//! ([`Template::render`]): a reply is never sent with a hole or a raw `{{…}}` in it.

use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};
use std::fmt::Write as _;

/// The longest shortcut, `/` included.
pub const MAX_SHORTCUT_CHARS: usize = 32;

/// A value a template may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Placeholder {
    /// `paciente.primeiro_nome`: the first word of the patient's name.
    PatientFirstName,
    /// `clinica.nome`: the clinic's name.
    ClinicName,
    /// `clinica.endereco`: the clinic's address (settings).
    ClinicAddress,
    /// `proxima_consulta.data_hora`: the next appointment, `quinta-feira, 10/12 às 14:30`.
    NextAppointment,
    /// `proxima_consulta.data`: its date, `10/12`.
    NextAppointmentDate,
    /// `proxima_consulta.hora`: its time, `14:30`.
    NextAppointmentTime,
}

impl Placeholder {
    /// Every placeholder, in documentation order.
    pub const ALL: [Self; 6] = [
        Self::PatientFirstName,
        Self::ClinicName,
        Self::ClinicAddress,
        Self::NextAppointment,
        Self::NextAppointmentDate,
        Self::NextAppointmentTime,
    ];

    /// The name written between the braces.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::PatientFirstName => "paciente.primeiro_nome",
            Self::ClinicName => "clinica.nome",
            Self::ClinicAddress => "clinica.endereco",
            Self::NextAppointment => "proxima_consulta.data_hora",
            Self::NextAppointmentDate => "proxima_consulta.data",
            Self::NextAppointmentTime => "proxima_consulta.hora",
        }
    }

    /// The placeholder named `name`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Text(String),
    Value(Placeholder),
}

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// `{{name}}` names no known placeholder.
    #[error("unknown placeholder {{{{{0}}}}}")]
    UnknownPlaceholder(String),
    /// A `{{` without its `}}`.
    #[error("a {{{{ is not closed")]
    Unclosed,
}

/// A checked template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    segments: Vec<Segment>,
}

/// The values a rendering may use; `None` when the clinic or the patient has none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderValues {
    /// The patient's name (its first word is used).
    pub patient_name: Option<String>,
    /// The clinic's name.
    pub clinic_name: Option<String>,
    /// The clinic's address.
    pub clinic_address: Option<String>,
    /// The start of the patient's next appointment, in the clinic's local time.
    pub next_appointment: Option<NaiveDateTime>,
}

impl Template {
    /// Parses a template, refusing unknown placeholders and unclosed braces.
    ///
    /// # Errors
    /// [`TemplateError`].
    pub fn parse(body: &str) -> Result<Self, TemplateError> {
        let mut segments = Vec::new();
        let mut rest = body;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                segments.push(Segment::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or(TemplateError::Unclosed)?;
            let name = after[..close].trim();
            let placeholder = Placeholder::parse(name)
                .ok_or_else(|| TemplateError::UnknownPlaceholder(name.to_owned()))?;
            segments.push(Segment::Value(placeholder));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_owned()));
        }
        Ok(Self { segments })
    }

    /// The placeholders the template uses, once each, in order of appearance.
    #[must_use]
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut out = Vec::new();
        for s in &self.segments {
            if let Segment::Value(p) = s
                && !out.contains(p)
            {
                out.push(*p);
            }
        }
        out
    }

    /// The text with every placeholder replaced.
    ///
    /// # Errors
    /// The placeholders that have no value (each once), when any.
    pub fn render(&self, values: &RenderValues) -> Result<String, Vec<Placeholder>> {
        let mut out = String::new();
        let mut missing = Vec::new();
        for s in &self.segments {
            match s {
                Segment::Text(t) => out.push_str(t),
                Segment::Value(p) => match value(*p, values) {
                    Some(v) => out.push_str(&v),
                    None if !missing.contains(p) => missing.push(*p),
                    None => {}
                },
            }
        }
        if missing.is_empty() {
            Ok(out)
        } else {
            Err(missing)
        }
    }
}

fn non_blank(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn value(p: Placeholder, v: &RenderValues) -> Option<String> {
    match p {
        Placeholder::PatientFirstName => non_blank(v.patient_name.as_ref())
            .and_then(|n| n.split_whitespace().next().map(str::to_owned)),
        Placeholder::ClinicName => non_blank(v.clinic_name.as_ref()),
        Placeholder::ClinicAddress => non_blank(v.clinic_address.as_ref()),
        Placeholder::NextAppointment => v.next_appointment.map(|at| date_time_pt_br(&at)),
        Placeholder::NextAppointmentDate => v.next_appointment.map(|at| date_pt_br(&at)),
        Placeholder::NextAppointmentTime => v.next_appointment.map(|at| time_pt_br(&at)),
    }
}

/// The weekday's name in Portuguese (`quinta-feira`).
#[must_use]
pub fn weekday_pt_br(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "segunda-feira",
        Weekday::Tue => "terça-feira",
        Weekday::Wed => "quarta-feira",
        Weekday::Thu => "quinta-feira",
        Weekday::Fri => "sexta-feira",
        Weekday::Sat => "sábado",
        Weekday::Sun => "domingo",
    }
}

/// `10/12` (day/month).
#[must_use]
pub fn date_pt_br(at: &NaiveDateTime) -> String {
    format!("{:02}/{:02}", at.day(), at.month())
}

/// `14:30`.
#[must_use]
pub fn time_pt_br(at: &NaiveDateTime) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// `quinta-feira, 10/12 às 14:30`.
#[must_use]
pub fn date_time_pt_br(at: &NaiveDateTime) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{}, {} às {}",
        weekday_pt_br(at.weekday()),
        date_pt_br(at),
        time_pt_br(at)
    );
    s
}

/// A shortcut as stored (`/preco`): a `/` then 1 to 31 of `a-z 0-9 _ -`, lower-cased; `None`
/// when the raw value cannot be one.
#[must_use]
pub fn parse_shortcut(raw: &str) -> Option<String> {
    let s = raw.trim().to_lowercase();
    let name = s.strip_prefix('/')?;
    let ok = !name.is_empty()
        && s.chars().count() <= MAX_SHORTCUT_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    ok.then_some(s)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::NaiveDate;

    fn thursday_afternoon() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 10)
            .unwrap()
            .and_hms_opt(14, 30, 0)
            .unwrap()
    }

    fn values() -> RenderValues {
        RenderValues {
            patient_name: Some("  Maria Souza ".into()),
            clinic_name: Some("Clínica Sorriso".into()),
            clinic_address: Some("Rua das Flores, 100".into()),
            next_appointment: Some(thursday_afternoon()),
        }
    }

    #[test]
    fn placeholders_render_in_pt_br() {
        let t = Template::parse(
            "Olá {{paciente.primeiro_nome}}! Sua consulta na {{ clinica.nome }} é {{proxima_consulta.data_hora}} ({{proxima_consulta.data}}, {{proxima_consulta.hora}}), {{clinica.endereco}}.",
        )
        .unwrap();
        assert_eq!(
            t.render(&values()).unwrap(),
            "Olá Maria! Sua consulta na Clínica Sorriso é quinta-feira, 10/12 às 14:30 (10/12, 14:30), Rua das Flores, 100."
        );
    }

    #[test]
    fn every_weekday_has_its_portuguese_name() {
        let days: Vec<_> = (0..7)
            .map(|d| {
                let at = thursday_afternoon() + chrono::Duration::days(d);
                date_time_pt_br(&at)
            })
            .collect();
        assert_eq!(days[0], "quinta-feira, 10/12 às 14:30");
        assert_eq!(days[2], "sábado, 12/12 às 14:30");
        assert_eq!(days[4], "segunda-feira, 14/12 às 14:30");
        assert_eq!(days[5], "terça-feira, 15/12 às 14:30");
    }

    #[test]
    fn unknown_placeholders_and_unclosed_braces_are_refused() {
        assert_eq!(
            Template::parse("Oi {{paciente.nome}}"),
            Err(TemplateError::UnknownPlaceholder("paciente.nome".into()))
        );
        assert_eq!(
            Template::parse("Oi {{clinica.nome"),
            Err(TemplateError::Unclosed)
        );
        assert!(Template::parse("sem placeholders, só } e {").is_ok());
    }

    #[test]
    fn missing_values_are_named_once_and_nothing_is_rendered() {
        let t = Template::parse("{{proxima_consulta.data_hora}} / {{proxima_consulta.hora}} / {{proxima_consulta.hora}} {{paciente.primeiro_nome}}")
            .unwrap();
        let none = RenderValues {
            next_appointment: None,
            patient_name: Some("   ".into()),
            ..values()
        };
        assert_eq!(
            t.render(&none),
            Err(vec![
                Placeholder::NextAppointment,
                Placeholder::NextAppointmentTime,
                Placeholder::PatientFirstName
            ])
        );
        assert_eq!(
            t.placeholders(),
            [
                Placeholder::NextAppointment,
                Placeholder::NextAppointmentTime,
                Placeholder::PatientFirstName
            ]
        );
    }

    #[test]
    fn shortcuts_are_a_slash_and_a_short_lower_case_word() {
        assert_eq!(parse_shortcut(" /Preco ").as_deref(), Some("/preco"));
        assert_eq!(
            parse_shortcut("/endereco-2").as_deref(),
            Some("/endereco-2")
        );
        for bad in [
            "preco",
            "/",
            "/preço",
            "/a b",
            &format!("/{}", "a".repeat(32)),
        ] {
            assert_eq!(parse_shortcut(bad), None, "{bad}");
        }
    }
}
