#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use chrono::{Duration, TimeZone, Utc};
use domain::Channel;
use domain::snapshots::{AnalyzerMessage, SUMMARY_MAX_CHARS};

pub(super) fn facts(total: u32, completed: u32, canceled: u32, no_show: u32) -> ClientFacts {
    ClientFacts {
        status: "active".to_owned(),
        appointments_total: total,
        appointments_completed: completed,
        appointments_canceled: canceled,
        appointments_no_show: no_show,
        last_visit_at: None,
        next_appointment_at: None,
        services_used: vec![],
    }
}

/// Messages `(inbound?, text)`, one minute apart, oldest first.
pub(super) fn input(locale: &str, facts: ClientFacts, messages: &[(bool, &str)]) -> AnalysisInput {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap();
    let messages = messages
        .iter()
        .enumerate()
        .map(|(i, (inbound, text))| AnalyzerMessage {
            id: InteractionId::new(),
            direction: if *inbound {
                Direction::Inbound
            } else {
                Direction::Outbound
            },
            channel: Channel::Whatsapp,
            at: t0 + Duration::minutes(i64::try_from(i).unwrap()),
            text: (*text).to_owned(),
        })
        .collect();
    AnalysisInput {
        locale: locale.to_owned(),
        facts,
        messages,
    }
}

fn ids(input: &AnalysisInput, indexes: &[usize]) -> Vec<InteractionId> {
    indexes.iter().map(|i| input.messages[*i].id).collect()
}

#[test]
fn a_happy_patient_who_prefers_mornings() {
    let input = input(
        "pt-BR",
        facts(3, 2, 0, 1),
        &[
            (true, "Bom dia! Queria agendar uma limpeza"),
            (false, "Claro! Temos horários na quinta às 9h ou às 15h."),
            (true, "Prefiro de manhã, pode ser às 9h. Obrigada!"),
            (false, "Agendado! Até quinta."),
            (true, "Ótimo, adorei o atendimento"),
        ],
    );
    let a = analyze(&input);

    assert_eq!(a.flags.sentiment, Sentiment::Positive);
    assert_eq!(a.flags.no_show_risk, NoShowRisk::Medium);
    assert_eq!(a.flags.preferences, ["manhã"]);
    assert!(a.flags.objections.is_empty());
    assert_eq!(a.flags.topics, ["agendamento"]);
    assert_eq!(a.evidence, ids(&input, &[4, 2, 0]));
    assert_eq!(
        a.summary,
        "Paciente com 3 consultas (1 falta). Mensagens recentes sobre agendamento. \
         Preferência: manhã. Risco de falta: médio. Sentimento: positivo."
    );
}

#[test]
fn a_price_objection_with_installments() {
    let input = input(
        "pt-BR",
        facts(0, 0, 0, 0),
        &[
            (true, "Boa tarde, quanto custa o clareamento?"),
            (false, "O clareamento sai por R$ 800,00."),
            (
                true,
                "Nossa, achei caro. Vocês parcelam? Tem desconto no pix?",
            ),
        ],
    );
    let a = analyze(&input);

    assert_eq!(a.flags.objections, ["preço"]);
    assert_eq!(a.flags.sentiment, Sentiment::Negative);
    assert_eq!(a.flags.no_show_risk, NoShowRisk::Low);
    assert!(
        a.flags.preferences.is_empty(),
        "boa tarde is a greeting: {:?}",
        a.flags.preferences
    );
    assert_eq!(a.flags.topics, ["preço"]);
    assert_eq!(a.evidence, ids(&input, &[2, 0]));
    assert!(
        a.summary.starts_with("Paciente sem consultas registradas."),
        "{}",
        a.summary
    );
    assert!(a.summary.contains("Objeção: preço."), "{}", a.summary);
}

#[test]
fn price_then_thanks_is_mixed_and_asks_for_payment_options() {
    let input = input(
        "pt-BR",
        facts(1, 1, 0, 0),
        &[
            (true, "Achei o valor alto, dá pra parcelar?"),
            (true, "Ah, perfeito, obrigado!"),
        ],
    );
    let a = analyze(&input);

    assert_eq!(a.flags.sentiment, Sentiment::Positive);
    assert_eq!(a.flags.objections, ["preço"]);
    assert_eq!(
        a.next_best_action.as_deref(),
        Some("Apresentar as opções de pagamento e parcelamento.")
    );

    let mixed = analyze(&super::tests::input(
        "pt-BR",
        facts(1, 1, 0, 0),
        &[(true, "Muito caro!"), (true, "Mas obrigada pela atenção")],
    ));
    assert_eq!(mixed.flags.sentiment, Sentiment::Mixed);
}

#[test]
fn a_patient_who_keeps_cancelling_is_high_risk() {
    let input = input(
        "pt-BR",
        facts(5, 2, 1, 2),
        &[
            (false, "Olá! Lembrete da sua consulta amanhã às 14:30."),
            (true, "Oi, não vou poder ir amanhã, preciso desmarcar"),
            (true, "Tô com muito trabalho, não consigo essa semana"),
        ],
    );
    let a = analyze(&input);

    assert_eq!(a.flags.no_show_risk, NoShowRisk::High);
    assert_eq!(a.flags.objections, ["agenda"]);
    assert_eq!(a.flags.topics, ["cancelamento"]);
    assert_eq!(a.evidence, ids(&input, &[2, 1]));
    assert_eq!(
        a.next_best_action.as_deref(),
        Some("Confirmar a consulta na véspera e oferecer remarcação se necessário.")
    );
    assert!(
        a.summary.contains("(2 faltas, 1 cancelada)"),
        "{}",
        a.summary
    );
    assert!(a.summary.contains("Risco de falta: alto."), "{}", a.summary);
}

#[test]
fn fear_distance_and_a_professional() {
    let input = input(
        "pt-BR",
        facts(2, 2, 0, 0),
        &[
            (
                true,
                "Tenho muito medo de sentir dor no canal, fico nervosa",
            ),
            (true, "E é meio longe pra mim, pego muito trânsito"),
            (
                true,
                "Queria ser atendida pela Dra. Paula Mendes, ou com a Renata",
            ),
            (true, "Pode ser à tarde"),
        ],
    );
    let a = analyze(&input);

    assert_eq!(a.flags.objections, ["distância", "medo ou dor"]);
    assert_eq!(
        a.flags.preferences,
        [
            "tarde",
            "profissional: Dra. Paula Mendes",
            "profissional: Renata"
        ]
    );
    assert_eq!(a.flags.sentiment, Sentiment::Neutral);
    assert_eq!(a.flags.no_show_risk, NoShowRisk::Low);
    assert_eq!(a.evidence, ids(&input, &[3, 2, 1, 0]));
    assert!(
        a.next_best_action
            .unwrap()
            .starts_with("Explicar o procedimento")
    );
}

#[test]
fn a_complaint_is_negative() {
    let input = input(
        "pt-BR",
        facts(4, 4, 0, 0),
        &[(
            true,
            "Quero fazer uma reclamação. A demora na recepção foi um absurdo, péssimo atendimento",
        )],
    );
    let a = analyze(&input);

    assert_eq!(a.flags.sentiment, Sentiment::Negative);
    assert!(
        a.next_best_action
            .unwrap()
            .starts_with("Responder com atenção")
    );
    assert!(
        a.summary.ends_with("Sentimento: negativo."),
        "{}",
        a.summary
    );
}

#[test]
fn rescheduling_and_channel_preferences() {
    let input = input(
        "pt-BR",
        facts(2, 2, 0, 0),
        &[
            (true, "Preciso remarcar minha consulta, pode ser outro dia?"),
            (true, "Me manda pelo whatsapp, não escuto áudio no trabalho"),
        ],
    );
    let a = analyze(&input);

    assert_eq!(a.flags.topics, ["remarcação"]);
    assert!(
        a.flags.preferences.contains(&"WhatsApp".to_owned()),
        "{:?}",
        a.flags.preferences
    );
    assert!(
        a.flags
            .preferences
            .contains(&"texto (sem áudio)".to_owned()),
        "{:?}",
        a.flags.preferences
    );
    // One message asking to move an appointment is half a point: still low.
    assert_eq!(a.flags.no_show_risk, NoShowRisk::Low);
    assert!(
        a.flags.objections.contains(&"agenda".to_owned()),
        "no trabalho: {:?}",
        a.flags.objections
    );
}

#[test]
fn an_english_conversation() {
    let input = input(
        "en-US",
        facts(4, 3, 0, 1),
        &[
            (
                true,
                "Good morning! I'd like to book a cleaning, mornings work best for me",
            ),
            (false, "Sure, we have Tuesday at 9am."),
            (
                true,
                "Great, thanks! A bit expensive though, do you take insurance?",
            ),
        ],
    );
    let a = analyze(&input);

    assert_eq!(a.flags.sentiment, Sentiment::Mixed);
    assert_eq!(a.flags.objections, ["price"]);
    assert_eq!(a.flags.preferences, ["morning"]);
    assert_eq!(a.flags.topics, ["scheduling", "insurance"]);
    assert_eq!(a.flags.no_show_risk, NoShowRisk::Medium);
    assert_eq!(
        a.summary,
        "Patient with 4 appointments (1 no-show). Recent messages about scheduling, insurance. \
         Objection: price. Preference: morning. No-show risk: medium. Sentiment: mixed."
    );
    assert_eq!(
        a.next_best_action.as_deref(),
        Some("Present the payment and installment options.")
    );
}

#[test]
fn spanish_and_unknown_locales() {
    let messages = [(true, "Obrigada, quero agendar")];
    let es = analyze(&input("es-ES", facts(1, 1, 0, 0), &messages));
    assert!(
        es.summary.starts_with("Paciente con 1 cita."),
        "{}",
        es.summary
    );
    assert!(
        es.summary.contains("Sentimiento: positivo."),
        "{}",
        es.summary
    );

    let pt = analyze(&input("pt-BR", facts(1, 1, 0, 0), &messages));
    for locale in ["fr-FR", "", "xx", "pt", "pt_BR"] {
        let other = analyze(&input(locale, facts(1, 1, 0, 0), &messages));
        assert_eq!(other.summary, pt.summary, "{locale}");
    }
    let en_gb = analyze(&input("en-GB", facts(1, 1, 0, 0), &messages));
    assert!(
        en_gb.summary.starts_with("Patient with 1 appointment."),
        "{}",
        en_gb.summary
    );
}

#[test]
fn no_messages_and_no_history() {
    let a = analyze(&input("pt-BR", facts(0, 0, 0, 0), &[]));

    assert_eq!(
        a.summary,
        "Paciente sem consultas registradas. Sem mensagens recentes. Sentimento: neutro."
    );
    assert_eq!(a.flags.no_show_risk, NoShowRisk::Low);
    assert_eq!(a.flags.sentiment, Sentiment::Neutral);
    assert!(a.evidence.is_empty());
    assert_eq!(a.next_best_action, None);
}

#[test]
fn outbound_messages_give_topics_but_no_flags_or_evidence() {
    let input = input(
        "pt-BR",
        facts(1, 1, 0, 0),
        &[(false, "Obrigado! Confirma sua consulta? Achou caro?")],
    );
    let a = analyze(&input);

    assert_eq!(a.flags.topics, ["confirmação"]);
    assert_eq!(a.flags.sentiment, Sentiment::Neutral);
    assert!(a.flags.objections.is_empty());
    assert!(a.evidence.is_empty());
}

#[test]
fn evidence_is_capped_at_ten_most_recent() {
    let texts: Vec<(bool, &str)> = (0..15).map(|_| (true, "obrigada")).collect();
    let input = input("pt-BR", facts(0, 0, 0, 0), &texts);
    let a = analyze(&input);

    assert_eq!(
        a.evidence,
        ids(&input, &[14, 13, 12, 11, 10, 9, 8, 7, 6, 5])
    );
}

#[test]
fn the_summary_stays_within_the_limit() {
    let long_names = "Queria com a Dra. Maximiliana Albuquerquesdasilvasauro e o Dr. Bartolomeu Wolfeschlegelsteinhausen e com a Dra. Pedrina Quintanilhadeoliveiramaranhao";
    let mut messages = vec![(true, long_names)];
    let everything = "caro longe medo trabalho manhã tarde noite pelo whatsapp por áudio me liga prefiro texto agendar remarcar cancelar confirmar preço resultado tratamento endereço convênio obrigada péssimo";
    messages.push((true, everything));
    let a = analyze(&input(
        "pt-BR",
        facts(999_999, 0, 999_999, 999_999),
        &messages,
    ));

    assert!(
        a.summary.chars().count() <= SUMMARY_MAX_CHARS,
        "{}",
        a.summary.chars().count()
    );
    assert!(a.summary.starts_with("Paciente com 999999 consultas"));
    assert_eq!(a.flags.no_show_risk, NoShowRisk::High);
}

#[test]
fn sentences_that_do_not_fit_are_left_out() {
    let input = input("pt-BR", facts(1, 1, 0, 0), &[]);
    let mut f = Findings::read(&input);
    f.professionals = vec!["x".repeat(590)];
    let summary = super::summary::summary(Lang::Pt, &f);

    assert!(summary.chars().count() <= SUMMARY_MAX_CHARS);
    assert_eq!(
        summary,
        "Paciente com 1 consulta. Sem mensagens recentes. Sentimento: neutro."
    );
}

#[test]
fn implausible_names_are_not_professionals() {
    use super::words::professionals;
    let long = format!("Dra. A{}", "b".repeat(40));
    assert!(professionals(&long).is_empty());
    assert!(professionals("Dr. X").is_empty());
}

#[test]
fn the_same_input_gives_the_same_analysis() {
    let input = input(
        "pt-BR",
        facts(3, 1, 1, 1),
        &[(true, "Acho caro e longe, mas obrigada. Posso remarcar?")],
    );
    assert_eq!(analyze(&input), analyze(&input));
}

#[test]
fn risk_thresholds() {
    use super::risk::no_show_risk;
    let f = |total, canceled, missed| facts(total, 0, canceled, missed);
    assert_eq!(no_show_risk(&f(0, 0, 0), 0, 0), NoShowRisk::Low);
    assert_eq!(no_show_risk(&f(20, 0, 1), 0, 0), NoShowRisk::Medium);
    assert_eq!(no_show_risk(&f(10, 1, 0), 0, 1), NoShowRisk::Low);
    assert_eq!(no_show_risk(&f(0, 0, 0), 1, 0), NoShowRisk::Medium);
    assert_eq!(no_show_risk(&f(0, 0, 0), 0, 2), NoShowRisk::Medium);
    assert_eq!(no_show_risk(&f(3, 0, 1), 1, 0), NoShowRisk::High);
    assert_eq!(no_show_risk(&f(10, 0, 3), 0, 0), NoShowRisk::High);
    assert_eq!(no_show_risk(&f(4, 0, 2), 0, 0), NoShowRisk::High);
    assert_eq!(no_show_risk(&f(10, 0, 2), 0, 0), NoShowRisk::Medium);
    assert_eq!(no_show_risk(&f(4, 2, 0), 0, 0), NoShowRisk::Medium);
    assert_eq!(no_show_risk(&f(4, 2, 1), 0, 0), NoShowRisk::High);
    assert_eq!(no_show_risk(&f(10, 2, 0), 0, 0), NoShowRisk::Low);
}

#[test]
fn cue_matching_is_whole_word_and_accent_insensitive() {
    use super::words::Words;
    let w = Words::new("Não consigo ir, é MUITO caro! Boa tarde.");
    assert!(w.has("nao consigo"));
    assert!(w.has("caro"));
    assert!(w.has("muit*"));
    assert!(!w.has("car"));
    assert!(!w.has("tarde"), "greetings are ignored");
    assert!(!Words::new("amanhã").has("manha"));
    assert!(!Words::new("Deixa pra mais tarde").has("tarde"));
}

#[test]
fn professionals_are_read_from_titles_and_com_a() {
    use super::words::professionals;
    assert_eq!(
        professionals("Quero com o Dr. Marcos, pode ser?"),
        ["Dr. Marcos"]
    );
    assert_eq!(professionals("com a Doutora Ana Lúcia"), ["Dra. Ana Lúcia"]);
    assert_eq!(
        professionals("marquei com a Juliana semana passada"),
        ["Juliana"]
    );
    assert!(professionals("falei com a recepção").is_empty());
    assert!(professionals("falei com a Recepção").is_empty());
    assert!(professionals("com a [paciente]").is_empty());
    assert!(professionals("Dr. [paciente]").is_empty());
}

#[tokio::test]
async fn the_port_reports_heuristic_v1_without_model_or_tokens() {
    let input = input("pt-BR", facts(1, 1, 0, 0), &[(true, "obrigada")]);
    let report = HeuristicAnalyzer::new()
        .analyze(input.clone(), Some("sk-ignored".to_owned()))
        .await
        .unwrap();

    assert_eq!(report.analyzer, "heuristic-v1");
    assert_eq!(report.model, None);
    assert_eq!(
        (report.prompt_tokens, report.completion_tokens),
        (None, None)
    );
    assert_eq!(report.analysis, analyze(&input));
}
