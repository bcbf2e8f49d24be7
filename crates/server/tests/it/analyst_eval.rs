//! `atende analyst eval`: the table for `heuristic-v1` on the project's set, the OpenAI-compatible
//! analyzer against the local fake model (one real HTTP call per case, masked input), and clear
//! errors for a missing key or a malformed set. No database is needed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::Ordering;

use crate::model_support::fake_model;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../app/tests/data/{name}"))
}

/// Runs `atende` with only `env` (no DATABASE_URL), outside the repository (no .env).
async fn atende(args: Vec<String>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_atende"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .current_dir(std::env::temp_dir());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run atende")
    })
    .await
    .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `text` with every run of whitespace made one space (the table's columns are padded).
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn scratch_set(lines: &[&str]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("atende-eval-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("set.jsonl");
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

const CASE_WITH_PHONE: &str = r#"{"id":"one","locale":"pt-BR","patient_name":"Ana Souza","messages":[{"direction":"inbound","at":"2026-11-20T12:00:00Z","text":"Aqui é a Ana Souza, meu celular é 11987654321. Acho caro, parcelam?"}],"expected":{"sentiment":"mixed","no_show_risk":"medium","preferences":["morning"],"objections":["price"]}}"#;
const CASE_PLAIN: &str = r#"{"id":"two","locale":"pt-BR","messages":[{"direction":"inbound","at":"2026-11-20T12:00:00Z","text":"Quero marcar"}],"expected":{"sentiment":"neutral","no_show_risk":"low"}}"#;

#[tokio::test]
async fn heuristic_v1_prints_the_table_on_the_projects_set_and_meets_the_targets() {
    let set = data("analyst-eval.jsonl");
    let out = atende(
        vec!["analyst".into(), "eval".into(), set.display().to_string()],
        vec![],
    )
    .await;

    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for part in [
        "analyzer: heuristic-v1   cases: 107",
        "sentiment: expected (rows) x got (columns)",
        "no-show risk: expected (rows) x got (columns)",
        "preferences",
        "objections",
        "targets (sentiment >= 85 %, no-show risk >= 85 %, items found >= 80 %): met",
    ] {
        assert!(
            squash(&text).contains(&squash(part)),
            "{part:?} not in\n{text}"
        );
    }
}

#[tokio::test]
async fn the_openai_analyzer_is_called_once_per_case_with_masked_texts() {
    let (model, base_url) = fake_model();
    let set = scratch_set(&[CASE_WITH_PHONE, CASE_PLAIN]);
    let out = atende(
        vec![
            "analyst".into(),
            "eval".into(),
            set.display().to_string(),
            "--analyzer".into(),
            "openai".into(),
        ],
        vec![
            ("OPENAI_BASE_URL", base_url),
            ("OPENAI_API_KEY", "sk-eval-test".into()),
            ("ATENDE_OPENAI_MODEL", "gpt-4o-mini".into()),
        ],
    )
    .await;

    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(model.calls.load(Ordering::SeqCst), 2);
    assert!(
        model
            .auth
            .lock()
            .unwrap()
            .iter()
            .all(|a| a == "Bearer sk-eval-test")
    );
    let bodies = model.bodies.lock().unwrap().clone();
    assert!(bodies[0].contains("[telefone]"), "{}", bodies[0]);
    assert!(bodies[0].contains("[paciente]"), "{}", bodies[0]);
    assert!(!bodies[0].contains("98765"), "{}", bodies[0]);
    assert!(!bodies[0].contains("Souza"), "{}", bodies[0]);
    // The fake always answers medium / mixed / ["manhã"] / ["preço"].
    let text = stdout(&out);
    for part in [
        "analyzer: openai   cases: 2",
        "sentiment                  1/2   50.0 %",
        "no-show risk               1/2   50.0 %",
        "all items                  2/2  100.0 %   4 (2)",
        "two: sentiment Neutral->Mixed; risk Low->Medium; unexpected preference:manhã, objection:preço",
    ] {
        assert!(
            squash(&text).contains(&squash(part)),
            "{part:?} not in\n{text}"
        );
    }
}

#[tokio::test]
async fn openai_without_a_key_is_a_configuration_error() {
    let set = scratch_set(&[CASE_PLAIN]);
    let out = atende(
        vec![
            "analyst".into(),
            "eval".into(),
            set.display().to_string(),
            "--analyzer".into(),
            "openai".into(),
        ],
        vec![],
    )
    .await;

    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("OPENAI_API_KEY: is required with --analyzer openai"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_failing_model_or_a_malformed_set_exits_with_the_reason() {
    let (model, base_url) = fake_model();
    model.fail.store(true, Ordering::SeqCst);
    let set = scratch_set(&[CASE_PLAIN]);
    let out = atende(
        vec![
            "analyst".into(),
            "eval".into(),
            set.display().to_string(),
            "--analyzer".into(),
            "openai".into(),
        ],
        vec![
            ("OPENAI_BASE_URL", base_url),
            ("OPENAI_API_KEY", "sk-eval-test".into()),
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("case two:"), "{}", stderr(&out));

    let bad = scratch_set(&[CASE_PLAIN, r#"{"id":"x"}"#]);
    let out = atende(
        vec!["analyst".into(), "eval".into(), bad.display().to_string()],
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("line 2: missing field"),
        "{}",
        stderr(&out)
    );

    let missing = std::env::temp_dir().join("atende-no-such-set.jsonl");
    let out = atende(
        vec![
            "analyst".into(),
            "eval".into(),
            missing.display().to_string(),
        ],
        vec![],
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("reading "), "{}", stderr(&out));
}
