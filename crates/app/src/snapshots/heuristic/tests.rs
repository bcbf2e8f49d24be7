#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use chrono::{Duration, TimeZone, Utc};
use domain::Channel;
use domain::snapshots::{AnalyzerMessage, SUMMARY_MAX_CHARS};

fn facts(total: u32, completed: u32, canceled: u32, no_show: u32) -> ClientFacts {
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
fn input(locale: &str, facts: ClientFacts, messages: &[(bool, &str)]) -> AnalysisInput {
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

// ---- Issue #22.3: the language heuristic-v1 used to miss ----

fn one(locale: &str, facts: ClientFacts, text: &str) -> Analysis {
    analyze(&input(locale, facts, &[(true, text)]))
}

#[test]
fn polite_complaints_are_negative() {
    for text in [
        "Boa tarde, doutora. Não quero incomodar, mas a restauração caiu. Fiquei um pouco chateada.",
        "Não estou muito satisfeita com o resultado, para ser sincera.",
        "Gostaria de deixar registrado que ninguém nos avisou do atraso. Agradeço a atenção.",
        "Aguardo desde segunda o resultado. Já mandei mensagem duas vezes.",
        "O cardápio não tem nada a ver com o que conversamos.",
        "Achei o preço salgado, mas queria entender o que inclui",
        "Honestly really frustrating. Nobody called me back.",
        "Llevo 20 minutos esperando y nadie me atiende.",
    ] {
        assert_eq!(
            one("pt-BR", facts(1, 1, 0, 0), text).flags.sentiment,
            Sentiment::Negative,
            "{text}"
        );
    }
}

#[test]
fn thanks_closing_a_complaint_is_a_courtesy_but_praise_makes_it_mixed() {
    let courtesy = one(
        "pt-BR",
        facts(0, 0, 0, 0),
        "Tá bem acima do que eu tinha pesquisado. Vou pensar, obrigada",
    );
    assert_eq!(courtesy.flags.sentiment, Sentiment::Negative);
    assert_eq!(courtesy.flags.objections, ["preço"]);

    let mixed = analyze(&input(
        "pt-BR",
        facts(2, 2, 0, 0),
        &[
            (true, "A Dra. Juliana é maravilhosa"),
            (true, "mas a recepção deixou muito a desejar"),
        ],
    ));
    assert_eq!(mixed.flags.sentiment, Sentiment::Mixed);
}

#[test]
fn negation_flips_praise_and_cancels_complaints_and_fears() {
    let f = || facts(1, 1, 0, 0);
    assert_eq!(
        one("pt-BR", f(), "Não gostei do atendimento")
            .flags
            .sentiment,
        Sentiment::Negative
    );
    assert_eq!(
        one("en-US", f(), "I'm not happy with the result")
            .flags
            .sentiment,
        Sentiment::Negative
    );
    let relieved = one("pt-BR", f(), "Saí sem dor nenhuma, não tenho mais medo!");
    assert!(relieved.flags.objections.is_empty(), "{relieved:?}");
    assert_eq!(
        one("pt-BR", f(), "Não achei ruim, foi tranquilo")
            .flags
            .sentiment,
        Sentiment::Neutral
    );
    // "no" negates in Spanish, but is a preposition in Portuguese.
    assert_eq!(
        one("es-ES", f(), "No me gustó nada, no estoy contenta")
            .flags
            .sentiment,
        Sentiment::Negative
    );
    assert_eq!(
        one("pt-BR", f(), "Adorei o resultado no espelho")
            .flags
            .sentiment,
        Sentiment::Positive
    );
}

#[test]
fn a_symptom_is_not_a_complaint_nor_a_fear() {
    let a = one(
        "pt-BR",
        facts(0, 0, 0, 0),
        "Boa noite, to com uma dor horrível no dente, vcs tem encaixe amanhã?",
    );
    assert_eq!(a.flags.sentiment, Sentiment::Neutral);
    assert!(a.flags.objections.is_empty(), "{:?}", a.flags.objections);
}

#[test]
fn insurance_objections_but_not_refunds() {
    for (locale, text) in [
        ("pt-BR", "Vocês atendem pelo convênio da Cassi?"),
        ("pt-BR", "Liguei pro meu plano e eles não cobrem"),
        ("pt-BR", "Vocês dão nota pra eu pedir reembolso?"),
        ("en-US", "Is a cleaning covered by my insurance?"),
        ("es-ES", "¿Aceptan el seguro de Sanitas?"),
    ] {
        let a = one(locale, facts(0, 0, 0, 0), text);
        assert!(
            a.flags
                .objections
                .iter()
                .any(|o| o == "convênio" || o == "insurance" || o == "seguro médico"),
            "{text}: {:?}",
            a.flags.objections
        );
    }
    let refund = one(
        "pt-BR",
        facts(2, 2, 0, 0),
        "Quero o reembolso do pacote, vocês são uma piada",
    );
    assert!(
        refund.flags.objections.is_empty(),
        "{:?}",
        refund.flags.objections
    );
    assert_eq!(refund.flags.sentiment, Sentiment::Negative);
    // A treatment plan or a paid-for price is not an objection either.
    let plan = one(
        "pt-BR",
        facts(3, 3, 0, 0),
        "Quero conversar sobre o plano de tratamento. Paguei caro e não resolveu nada",
    );
    assert!(
        plan.flags.objections.is_empty(),
        "{:?}",
        plan.flags.objections
    );
    assert_eq!(
        one(
            "pt-BR",
            facts(0, 0, 0, 0),
            "Vocês atendem convênio? Se não for, quero saber os preços"
        )
        .next_best_action
        .as_deref(),
        Some("Apresentar as opções de pagamento e parcelamento.")
    );
    assert_eq!(
        one("pt-BR", facts(0, 0, 0, 0), "Vocês aceitam Amil?")
            .next_best_action
            .as_deref(),
        Some("Informar os convênios aceitos e como funciona o reembolso.")
    );
}

#[test]
fn schedule_constraints_weekends_times_and_online() {
    let a = one(
        "pt-BR",
        facts(1, 1, 0, 0),
        "Só consigo depois das 18h30 por causa do trabalho, ou sábado. Vocês atendem online?",
    );
    assert_eq!(
        a.flags.preferences,
        ["noite", "fim de semana", "atendimento online"]
    );
    assert_eq!(a.flags.objections, ["agenda"]);

    let en = one(
        "en-US",
        facts(0, 0, 0, 0),
        "Anything after 5pm? I work until 5. A video call is fine too",
    );
    assert_eq!(en.flags.preferences, ["evening", "online appointment"]);
    assert_eq!(en.flags.objections, ["schedule"]);

    let es = one(
        "es-ES",
        facts(0, 0, 0, 0),
        "¿Tienen algo los sábados por la mañana? Me queda lejos. Prefiero que me llamen por teléfono",
    );
    assert_eq!(es.flags.preferences, ["mañana", "fin de semana", "llamada"]);
    assert_eq!(es.flags.objections, ["distancia"]);
}

#[test]
fn idioms_and_past_events_are_not_preferences_or_objections() {
    let a = one(
        "pt-BR",
        facts(1, 1, 0, 0),
        "A restauração caiu ontem à noite e a cobrança deu trabalho pra resolver. Não consigo ouvir áudio agora.",
    );
    assert_eq!(a.flags.preferences, ["texto (sem áudio)"]);
    assert!(a.flags.objections.is_empty(), "{:?}", a.flags.objections);
}

#[test]
fn the_patients_own_words_raise_the_no_show_risk() {
    let f = || facts(2, 2, 0, 0);
    for (text, want) in [
        ("Não sei se consigo ir amanhã", NoShowRisk::Medium),
        ("Vou ver se dá pra ir na sexta", NoShowRisk::Medium),
        ("Vou tentar ir, mas não garanto", NoShowRisk::Medium),
        ("Trabalho de plantão, toda semana muda", NoShowRisk::Medium),
        (
            "Esqueci completamente da sessão de ontem",
            NoShowRisk::Medium,
        ),
        (
            "I might not make it, I'm on call this week",
            NoShowRisk::Medium,
        ),
        (
            "No sé si voy a poder ir, tengo turnos rotativos",
            NoShowRisk::Medium,
        ),
        ("Confirmado, estarei aí!", NoShowRisk::Low),
        ("Preciso mudar para sexta, mesmo horário", NoShowRisk::Low),
        // The clinic calling off is not the patient's risk.
        (
            "É a terceira vez que minha sessão é desmarcada pela clínica",
            NoShowRisk::Low,
        ),
    ] {
        assert_eq!(one("pt-BR", f(), text).flags.no_show_risk, want, "{text}");
    }
    // One missed appointment in three (2 points) and doubt (1 point) make it high.
    assert_eq!(
        one(
            "pt-BR",
            facts(3, 2, 0, 1),
            "Tá, vou tentar ir na quarta então"
        )
        .flags
        .no_show_risk,
        NoShowRisk::High
    );
    // The words count at most 2 points.
    assert_eq!(
        one(
            "pt-BR",
            facts(0, 0, 0, 0),
            "Esqueci, não sei se consigo, trabalho de plantão, preciso desmarcar"
        )
        .flags
        .no_show_risk,
        NoShowRisk::Medium
    );
}

#[test]
fn only_professionals_the_patient_asks_for_are_preferences() {
    use super::words::professionals;
    assert_eq!(
        professionals("Prefiro ser atendida pela Dra. Beatriz"),
        ["Dra. Beatriz"]
    );
    assert_eq!(
        professionals("quisiera saber si la doctora Ramírez atiende por las mañanas"),
        ["Dra. Ramírez"]
    );
    assert!(professionals("A Dra. Helena, minha clínica geral, me indicou vocês").is_empty());
    assert!(professionals("O Dr. André é excelente").is_empty());
    assert!(professionals("Boa tarde, doutora. Não quero incomodar").is_empty());
}

#[test]
fn masks_are_not_words() {
    use super::words::Words;
    let w = Words::new("moro na [endereço], meu [telefone] é esse");
    assert!(!w.has("endereco"));
    assert!(!w.has("telefone"));
    assert!(w.has("moro na"));
    assert!(Words::new("adorei 😍").has("😍"));
}
