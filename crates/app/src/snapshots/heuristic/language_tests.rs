//! The language `heuristic-v1` used to miss (issue #22): polite complaints, negation, courtesy,
//! symptoms, insurance, schedule constraints, times, the patient's own risk words, and which
//! professionals are preferences.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{facts, input};
use super::*;
use domain::snapshots::ClientFacts;

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
