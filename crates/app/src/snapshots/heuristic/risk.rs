//! No-show risk from the appointment history and the patient's own words.
//!
//! Points are added up; 0 is `low`, 1–2 `medium`, 3 or more `high`.
//! - Missed appointments (`n` of `total`): 3 points when `n ≥ 3`, or `n ≥ 2` and `n/total ≥ 40%`;
//!   2 points when `n ≥ 2` or `n/total ≥ 25%`; 1 point for a single, rarer miss.
//! - Canceled appointments (`c` of `total`, only when `c ≥ 2`): 2 points when `c/total ≥ 50%`,
//!   1 point when `c/total ≥ 25%`.
//! - Language in the patient's messages, at most 2 points in all: each message calling an
//!   appointment off ([`CANCELLATION`]: "desmarcar", "cancelar", "não vou poder"…) is worth 1
//!   point, each asking to move one ([`RESCHEDULING`]: "remarcar", "adiar"…) half a point; and
//!   1 point each, once per conversation, for doubt about coming ([`DOUBT`]: "não sei se
//!   consigo", "vou ver se dá", "vou tentar ir", "não garanto", "might not make it"), an
//!   unpredictable routine ([`ROUTINE`]: "plantão", "escala", "12x36", "on call", "turnos
//!   rotativos", travelling for work) and a forgotten appointment ([`FORGOT`]).

use domain::snapshots::{ClientFacts, NoShowRisk};

/// The patient is calling an appointment off (weighs twice as much as rescheduling). Past
/// participles ("foi desmarcada") are left out: they are usually about the clinic.
pub(super) const CANCELLATION: &[&str] = &[
    "desmarcar",
    "desmarco",
    "desmarquei",
    "cancelar",
    "cancelo",
    "cancelei",
    "nao vou poder",
    "nao vou conseguir",
    "nao poderei",
    "nao posso ir",
    "ter que faltar",
    "vou faltar",
    "can t make it",
    "cant make it",
    "won t be able",
    "wont be able",
    "can t come",
    "cannot come",
    "not coming",
    "cancel",
    "have to skip",
    "no voy a poder",
    "no podre",
];

/// The patient wants to move an appointment.
pub(super) const RESCHEDULING: &[&str] = &[
    "remarc*",
    "reagend*",
    "adiar",
    "outro dia",
    "outra data",
    "reschedul*",
    "postpone",
    "move my appointment",
];

/// Doubt about coming (or about going on with the treatment).
pub(super) const DOUBT: &[&str] = &[
    "nao sei se consigo",
    "nao sei se vou",
    "nao sei se da",
    "nao sei se quero",
    "nao sei ainda",
    "nao tenho certeza se",
    "nao garanto",
    "nao prometo",
    "vou ver se da",
    "vou ver se consigo",
    "vejo e te aviso",
    "vou tentar ir",
    "vou tentar chegar",
    "vou tentar estar",
    "se der eu vou",
    "se der aviso",
    "se nao der",
    "aviso se",
    "se eu conseguir",
    "acho que consigo",
    "acho que vou conseguir",
    "talvez eu nao",
    "talvez nao",
    "vou depender",
    "depende se",
    "depende de eu",
    "depende do meu",
    "depende da minha",
    "nao vale a pena continuar",
    "might not make it",
    "might not",
    "might have to skip",
    "not sure",
    "can t promise",
    "i ll try to",
    "let you know",
    "no se si",
    "a lo mejor",
    "quizas",
    "tal vez",
];

/// A routine that moves under the patient's feet.
pub(super) const ROUTINE: &[&str] = &[
    "plantao",
    "plantoes",
    "escala",
    "12x36",
    "viajando",
    "viagem a trabalho",
    "on call",
    "shifts",
    "shift work",
    "turnos rotativos",
    "turnos",
    "viaje de trabajo",
];

/// The patient forgot an appointment.
pub(super) const FORGOT: &[&str] = &["esqueci", "tinha esquecido", "forgot", "olvide"];

/// What the patient's own words say, for the risk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct RiskLanguage {
    /// Messages calling an appointment off.
    pub(super) cancel_messages: usize,
    /// Other messages asking to move one.
    pub(super) reschedule_messages: usize,
    /// Doubt about coming, anywhere.
    pub(super) doubt: bool,
    /// An unpredictable routine, anywhere.
    pub(super) routine: bool,
    /// A forgotten appointment, anywhere.
    pub(super) forgot: bool,
}

/// The risk for `facts` when `cancel_messages` inbound messages call an appointment off and
/// `reschedule_messages` others ask to move one (and nothing else is said).
#[cfg(test)]
pub(super) fn no_show_risk(
    facts: &ClientFacts,
    cancel_messages: usize,
    reschedule_messages: usize,
) -> NoShowRisk {
    risk(
        facts,
        &RiskLanguage {
            cancel_messages,
            reschedule_messages,
            ..RiskLanguage::default()
        },
    )
}

/// The risk for `facts` and what the patient said.
pub(super) fn risk(facts: &ClientFacts, said: &RiskLanguage) -> NoShowRisk {
    let points = missed_points(facts) + canceled_points(facts) + language_points(said);
    match points {
        0 => NoShowRisk::Low,
        1 | 2 => NoShowRisk::Medium,
        _ => NoShowRisk::High,
    }
}

fn missed_points(facts: &ClientFacts) -> u32 {
    let n = facts.appointments_no_show;
    let total = facts.appointments_total.max(n).max(1);
    if n >= 3 || (n >= 2 && 5 * n >= 2 * total) {
        3
    } else if n >= 2 || (n >= 1 && 4 * n >= total) {
        2
    } else {
        u32::from(n >= 1)
    }
}

fn canceled_points(facts: &ClientFacts) -> u32 {
    let c = facts.appointments_canceled;
    let total = facts.appointments_total.max(c).max(1);
    if c < 2 {
        0
    } else if 2 * c >= total {
        2
    } else {
        u32::from(4 * c >= total)
    }
}

fn language_points(said: &RiskLanguage) -> u32 {
    let flags = usize::from(said.doubt) + usize::from(said.routine) + usize::from(said.forgot);
    let halves = said
        .cancel_messages
        .saturating_add(flags)
        .saturating_mul(2)
        .saturating_add(said.reschedule_messages);
    u32::try_from((halves / 2).min(2)).unwrap_or(2)
}
