//! Successful analyses against the fake server: the request sent and the report made.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::{DEFAULT_KEY, FakeOpenAi, Reply, analysis_json, completion, ids, input};
use domain::ports::analyzer::ContextAnalyzer;
use domain::snapshots::{AnalysisInput, NoShowRisk, Sentiment};
use infra_openai::{OpenAiAnalyzer, SCHEMA_NAME, SYSTEM_PROMPT};

#[tokio::test]
async fn a_completion_becomes_a_report_with_usage() {
    let input = input();
    let ids = ids(&input);
    let content = analysis_json(&[ids[2].clone(), ids[0].clone()]).to_string();
    let fake = FakeOpenAi::start(vec![Reply::ok(completion(&content))]).await;

    let report = fake.analyzer().analyze(input.clone(), None).await.unwrap();

    assert_eq!(report.analyzer, "openai");
    assert_eq!(report.model.as_deref(), Some("gpt-4o-mini-2024-07-18"));
    assert_eq!(report.prompt_tokens, Some(812));
    assert_eq!(report.completion_tokens, Some(143));
    let a = &report.analysis;
    assert!(a.summary.starts_with("Paciente com 3 consultas"));
    assert_eq!(a.flags.no_show_risk, NoShowRisk::Medium);
    assert_eq!(a.flags.sentiment, Sentiment::Mixed);
    assert_eq!(a.flags.preferences, ["manhã"]);
    assert_eq!(a.flags.objections, ["preço"]);
    assert_eq!(a.flags.topics, ["remarcação"]);
    assert_eq!(
        a.next_best_action.as_deref(),
        Some("Oferecer horários pela manhã e opções de parcelamento.")
    );
    assert_eq!(a.evidence, [input.messages[2].id, input.messages[0].id]);
}

#[tokio::test]
async fn the_request_is_a_strict_structured_output_call() {
    let input = input();
    let content = analysis_json(&[]).to_string();
    let fake = FakeOpenAi::start(vec![Reply::ok(completion(&content))]).await;

    fake.analyzer().analyze(input.clone(), None).await.unwrap();

    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    let req = &seen[0];
    assert_eq!(
        req.authorization.as_deref(),
        Some(format!("Bearer {DEFAULT_KEY}").as_str())
    );
    assert_eq!(req.content_type.as_deref(), Some("application/json"));
    let body = &req.body;
    assert_eq!(body["model"], "gpt-4o-mini");
    assert_eq!(body["temperature"].as_f64(), Some(0.2));
    let format = &body["response_format"];
    assert_eq!(format["type"], "json_schema");
    assert_eq!(format["json_schema"]["name"], SCHEMA_NAME);
    assert_eq!(format["json_schema"]["strict"], true);
    let schema = &format["json_schema"]["schema"];
    assert_eq!(schema["additionalProperties"], false);
    assert_eq!(
        schema["required"],
        serde_json::json!(["summary", "flags", "next_best_action", "evidence"])
    );
    assert_eq!(schema["properties"]["flags"]["additionalProperties"], false);
    assert_eq!(
        schema["properties"]["flags"]["properties"]["no_show_risk"]["enum"],
        serde_json::json!(["low", "medium", "high"])
    );
    assert_eq!(
        schema["properties"]["next_best_action"]["type"],
        serde_json::json!(["string", "null"])
    );
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][0]["content"], SYSTEM_PROMPT);
    assert_eq!(body["messages"][1]["role"], "user");
    let sent: AnalysisInput =
        serde_json::from_str(body["messages"][1]["content"].as_str().unwrap()).unwrap();
    assert_eq!(sent, input);
}

#[tokio::test]
async fn the_per_call_key_overrides_the_default_and_the_model_is_configurable() {
    let content = analysis_json(&[]).to_string();
    let fake = FakeOpenAi::start(vec![Reply::ok(completion(&content))]).await;
    let config = fake
        .config()
        .with_model("gpt-4.1-nano")
        .with_base_url(format!("{}/", fake.base_url));
    let analyzer = OpenAiAnalyzer::new(config).unwrap();

    analyzer
        .analyze(input(), Some("sk-clinic-own".to_owned()))
        .await
        .unwrap();

    let seen = fake.seen();
    assert_eq!(
        seen[0].authorization.as_deref(),
        Some("Bearer sk-clinic-own")
    );
    assert_eq!(seen[0].body["model"], "gpt-4.1-nano");
}

#[tokio::test]
async fn unknown_evidence_ids_are_dropped() {
    let input = input();
    let ids = ids(&input);
    let evidence = [
        "00000000-0000-7000-8000-000000000000".to_owned(),
        ids[0].clone(),
        "not-an-id".to_owned(),
        ids[0].clone(),
    ];
    let content = analysis_json(&evidence).to_string();
    let fake = FakeOpenAi::start(vec![Reply::ok(completion(&content))]).await;

    let report = fake.analyzer().analyze(input.clone(), None).await.unwrap();

    assert_eq!(report.analysis.evidence, [input.messages[0].id]);
}

#[tokio::test]
async fn personal_data_left_in_texts_is_masked_before_sending() {
    let mut input = input();
    input.messages[0].text = "me liga no (11) 98765-4321 ou ana@gmail.com".to_owned();
    input.messages[1].text = "x".repeat(700);
    let content = analysis_json(&[]).to_string();
    let fake = FakeOpenAi::start(vec![Reply::ok(completion(&content))]).await;

    fake.analyzer().analyze(input, None).await.unwrap();

    let sent: AnalysisInput = serde_json::from_str(
        fake.seen()[0].body["messages"][1]["content"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(sent.messages[0].text, "me liga no [telefone] ou [email]");
    assert_eq!(sent.messages[1].text.chars().count(), 500);
}

#[tokio::test]
async fn a_null_next_best_action_and_extra_usage_fields_are_fine() {
    let mut analysis = analysis_json(&[]);
    analysis["next_best_action"] = serde_json::Value::Null;
    let mut body = completion(&analysis.to_string());
    body["usage"] =
        serde_json::json!({"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12});
    let fake = FakeOpenAi::start(vec![Reply::ok(body)]).await;

    let report = fake.analyzer().analyze(input(), None).await.unwrap();

    assert_eq!(report.analysis.next_best_action, None);
    assert_eq!(
        (report.prompt_tokens, report.completion_tokens),
        (Some(5), Some(7))
    );
}

#[tokio::test]
async fn names_addresses_birth_dates_documents_cards_and_handles_are_masked_before_sending() {
    let mut input = input();
    input.messages[0].text = "Minha filha Ana Clara e meu marido, o João, vão comigo. Moro na \
                              Rua das Flores, 123 ap 4, CEP 01310-100."
        .to_owned();
    input.messages[1].text =
        "Nasci em 12/03/1985, RG 12.345.678-9, CNS 898 0012 3456 7808, me segue no @carla.dias"
            .to_owned();
    input.messages[2].text = "Pago no cartão 4111 1111 1111 1111. Quero com a Dra. Paula de \
                              manhã; a dor no dente 36 piorou, tomei ibuprofeno 600 mg às 14:30."
        .to_owned();
    let content = analysis_json(&[]).to_string();
    let fake = FakeOpenAi::start(vec![Reply::ok(completion(&content))]).await;

    fake.analyzer().analyze(input, None).await.unwrap();

    let raw = fake.seen()[0].body["messages"][1]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    let sent: AnalysisInput = serde_json::from_str(&raw).unwrap();
    assert_eq!(
        sent.messages[0].text,
        "Minha filha [nome] e meu marido, o [nome], vão comigo. Moro na [endereço]."
    );
    assert_eq!(
        sent.messages[1].text,
        "Nasci em [nascimento], RG [rg], CNS [cns], me segue no [instagram]"
    );
    // The professional and the clinical content leave as they are.
    assert_eq!(
        sent.messages[2].text,
        "Pago no cartão [cartão]. Quero com a Dra. Paula de manhã; a dor no dente 36 piorou, \
         tomei ibuprofeno 600 mg às 14:30."
    );
    for secret in [
        "Ana Clara",
        "João",
        "Flores",
        "01310",
        "1985",
        "345.678",
        "3456",
        "4111",
        "carla.dias",
    ] {
        assert!(!raw.contains(secret), "{secret} was sent: {raw}");
    }
}
