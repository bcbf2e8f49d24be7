//! The summary and the next best action, written from templates in the input's language.

use domain::snapshots::privacy::cut;
use domain::snapshots::{NoShowRisk, SUMMARY_MAX_CHARS, Sentiment};

use super::Findings;
use super::cues::{Objection, Topic};
use super::locale::Lang;

/// The summary: history, topics, objections, preferences, risk and sentiment, one short sentence
/// each, in `lang`. Sentences that would pass [`SUMMARY_MAX_CHARS`] are left out.
pub(super) fn summary(lang: Lang, f: &Findings) -> String {
    let mut sentences = vec![history(lang, f)];
    if f.message_count == 0 {
        sentences.push(
            text(
                lang,
                "Sem mensagens recentes.",
                "No recent messages.",
                "Sin mensajes recientes.",
            )
            .to_owned(),
        );
    } else if !f.topics.is_empty() {
        let topics = join(f.topics.iter().map(|t| lang.topic(*t)));
        let lead = text(
            lang,
            "Mensagens recentes sobre",
            "Recent messages about",
            "Mensajes recientes sobre",
        );
        sentences.push(format!("{lead} {topics}."));
    }
    let objections: Vec<&str> = f.objections.iter().map(|o| lang.objection(*o)).collect();
    if !objections.is_empty() {
        let lead = match (lang, objections.len()) {
            (Lang::Pt, 1) => "Objeção",
            (Lang::Pt, _) => "Objeções",
            (Lang::En, 1) => "Objection",
            (Lang::En, _) => "Objections",
            (Lang::Es, 1) => "Objeción",
            (Lang::Es, _) => "Objeciones",
        };
        sentences.push(format!("{lead}: {}.", join(objections.into_iter())));
    }
    let preferences = f.preference_labels(lang);
    if !preferences.is_empty() {
        let lead = match (lang, preferences.len()) {
            (Lang::Pt, 1) => "Preferência",
            (Lang::Pt, _) => "Preferências",
            (Lang::En, 1) => "Preference",
            (Lang::En, _) => "Preferences",
            (Lang::Es, 1) => "Preferencia",
            (Lang::Es, _) => "Preferencias",
        };
        sentences.push(format!(
            "{lead}: {}.",
            join(preferences.iter().map(String::as_str))
        ));
    }
    if f.risk != NoShowRisk::Low {
        let lead = text(lang, "Risco de falta", "No-show risk", "Riesgo de ausencia");
        sentences.push(format!("{lead}: {}.", lang.risk(f.risk)));
    }
    let lead = text(lang, "Sentimento", "Sentiment", "Sentimiento");
    sentences.push(format!("{lead}: {}.", lang.sentiment(f.sentiment)));

    let mut out = String::new();
    let mut len = 0;
    for sentence in sentences {
        let extra = sentence.chars().count() + usize::from(!out.is_empty());
        if len + extra > SUMMARY_MAX_CHARS {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&sentence);
        len += extra;
    }
    cut(&out, SUMMARY_MAX_CHARS).to_owned()
}

/// "Paciente com 3 consultas (1 falta, 2 canceladas). Próxima consulta agendada."
fn history(lang: Lang, f: &Findings) -> String {
    let facts = &f.facts;
    let plural = |n: u32, one: &'static str, many: &'static str| if n == 1 { one } else { many };
    let mut out = if facts.appointments_total == 0 {
        text(
            lang,
            "Paciente sem consultas registradas.",
            "Patient with no appointments on record.",
            "Paciente sin citas registradas.",
        )
        .to_owned()
    } else {
        let n = facts.appointments_total;
        let (lead, noun) = match lang {
            Lang::Pt => ("Paciente com", plural(n, "consulta", "consultas")),
            Lang::En => ("Patient with", plural(n, "appointment", "appointments")),
            Lang::Es => ("Paciente con", plural(n, "cita", "citas")),
        };
        let mut details = Vec::new();
        let missed = facts.appointments_no_show;
        if missed > 0 {
            let noun = match lang {
                Lang::Pt => plural(missed, "falta", "faltas"),
                Lang::En => plural(missed, "no-show", "no-shows"),
                Lang::Es => plural(missed, "ausencia", "ausencias"),
            };
            details.push(format!("{missed} {noun}"));
        }
        let canceled = facts.appointments_canceled;
        if canceled > 0 {
            let noun = match lang {
                Lang::Pt => plural(canceled, "cancelada", "canceladas"),
                Lang::En => "canceled",
                Lang::Es => plural(canceled, "cancelada", "canceladas"),
            };
            details.push(format!("{canceled} {noun}"));
        }
        if details.is_empty() {
            format!("{lead} {n} {noun}.")
        } else {
            format!("{lead} {n} {noun} ({}).", details.join(", "))
        }
    };
    if facts.next_appointment_at.is_some() {
        out.push(' ');
        out.push_str(text(
            lang,
            "Próxima consulta agendada.",
            "Next appointment scheduled.",
            "Próxima cita agendada.",
        ));
    }
    out
}

/// One suggestion, from the first rule that applies:
/// 1. high no-show risk → confirm the day before;
/// 2. negative (not mixed) tone → answer the complaint with care;
/// 3. an objection (price, insurance, fear, distance, schedule, in that order) → address it;
/// 4. cancellation or rescheduling language, or a scheduling topic, with no appointment ahead →
///    offer times;
/// 5. medium risk with an appointment ahead → remind and ask for confirmation.
pub(super) fn next_best_action(lang: Lang, f: &Findings) -> Option<String> {
    let has = |o: Objection| f.objections.contains(&o);
    let no_next = f.facts.next_appointment_at.is_none();
    let wants_times = f.cancellation_language
        || f.topics
            .iter()
            .any(|t| matches!(t, Topic::Scheduling | Topic::Rescheduling));
    let action = if f.risk == NoShowRisk::High {
        text(
            lang,
            "Confirmar a consulta na véspera e oferecer remarcação se necessário.",
            "Confirm the appointment the day before and offer to reschedule if needed.",
            "Confirmar la cita el día anterior y ofrecer reprogramarla si hace falta.",
        )
    } else if f.sentiment == Sentiment::Negative {
        text(
            lang,
            "Responder com atenção à insatisfação do paciente e oferecer uma solução.",
            "Reply with care to the patient's dissatisfaction and offer a solution.",
            "Responder con atención a la insatisfacción del paciente y ofrecer una solución.",
        )
    } else if has(Objection::Price) {
        text(
            lang,
            "Apresentar as opções de pagamento e parcelamento.",
            "Present the payment and installment options.",
            "Presentar las opciones de pago y financiación.",
        )
    } else if has(Objection::Insurance) {
        text(
            lang,
            "Informar os convênios aceitos e como funciona o reembolso.",
            "Tell which insurance plans are accepted and how reimbursement works.",
            "Informar los seguros aceptados y cómo funciona el reembolso.",
        )
    } else if has(Objection::Fear) {
        text(
            lang,
            "Explicar o procedimento e como o desconforto é controlado, para tranquilizar o paciente.",
            "Explain the procedure and how discomfort is managed, to reassure the patient.",
            "Explicar el procedimiento y cómo se controla la molestia, para tranquilizar al paciente.",
        )
    } else if has(Objection::Distance) {
        text(
            lang,
            "Enviar o endereço e as opções de acesso e estacionamento.",
            "Send the address and the access and parking options.",
            "Enviar la dirección y las opciones de acceso y estacionamiento.",
        )
    } else if has(Objection::Schedule) {
        text(
            lang,
            "Oferecer horários alternativos compatíveis com a rotina do paciente.",
            "Offer alternative times that fit the patient's routine.",
            "Ofrecer horarios alternativos compatibles con la rutina del paciente.",
        )
    } else if wants_times && no_next {
        text(
            lang,
            "Enviar os horários disponíveis para agendar.",
            "Send the available times to book.",
            "Enviar los horarios disponibles para agendar.",
        )
    } else if f.risk == NoShowRisk::Medium && !no_next {
        text(
            lang,
            "Enviar lembrete e pedir a confirmação da próxima consulta.",
            "Send a reminder and ask to confirm the next appointment.",
            "Enviar un recordatorio y pedir la confirmación de la próxima cita.",
        )
    } else {
        return None;
    };
    Some(action.to_owned())
}

fn text(lang: Lang, pt: &'static str, en: &'static str, es: &'static str) -> &'static str {
    match lang {
        Lang::Pt => pt,
        Lang::En => en,
        Lang::Es => es,
    }
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}
