#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn m(text: &str) -> String {
    mask_text(text, None)
}

#[test]
fn brazilian_phone_formats_are_masked() {
    for (text, want) in [
        ("meu número é +55 11 98765-4321", "meu número é [telefone]"),
        (
            "liga no (11) 98765-4321 por favor",
            "liga no [telefone] por favor",
        ),
        ("whats 11987654321.", "whats [telefone]."),
        ("fixo: (11) 3456-7890", "fixo: [telefone]"),
        ("+55 (11) 98765-4321", "[telefone]"),
        ("+5511987654321", "[telefone]"),
        ("11 98765 4321", "[telefone]"),
        ("98765-4321", "[telefone]"),
        ("3456.7890", "[telefone]"),
        ("11 - 98765-4321", "[telefone]"),
    ] {
        assert_eq!(m(text), want, "{text}");
    }
}

#[test]
fn international_phone_formats_are_masked() {
    for (text, want) in [
        ("call me at +1 415 555 2671", "call me at [telefone]"),
        ("+1 (415) 555-2671 tomorrow", "[telefone] tomorrow"),
        ("+351 912 345 678", "[telefone]"),
        ("+44 20 7946 0958!", "[telefone]!"),
        ("+33 6 12 34 56 78", "[telefone]"),
    ] {
        assert_eq!(m(text), want, "{text}");
    }
}

#[test]
fn cpf_like_numbers_are_masked() {
    for (text, want) in [
        ("meu CPF é 123.456.789-09", "meu CPF é [cpf]"),
        ("cpf 12345678909 ok", "cpf [cpf] ok"),
        ("CPF: 123456789-09", "CPF: [cpf]"),
        // Eleven bare digits that are not a mobile number are treated as a CPF.
        ("documento 00011122233", "documento [cpf]"),
    ] {
        assert_eq!(m(text), want, "{text}");
    }
}

#[test]
fn eleven_bare_digits_shaped_like_a_mobile_are_a_phone() {
    assert_eq!(m("11987654321"), "[telefone]");
    assert_eq!(m("21999887766"), "[telefone]");
}

#[test]
fn emails_are_masked() {
    for (text, want) in [
        (
            "meu email é maria.silva+clinica@gmail.com",
            "meu email é [email]",
        ),
        ("Envie para joao_23@empresa.com.br.", "Envie para [email]."),
        ("(ana@x.io)", "([email])"),
        ("a@b e c@d.e", "a@b e c@d.e"),
        ("@clinica no instagram", "@clinica no instagram"),
    ] {
        assert_eq!(m(text), want, "{text}");
    }
}

#[test]
fn times_dates_and_prices_are_kept() {
    for text in [
        "Pode ser às 14:30?",
        "dia 10/12 às 9h",
        "10/12/2025",
        "consulta em 10.12.2025",
        "2025-12-10 às 08:00",
        "Custa R$ 150,00 ou R$ 1.500,00 em 10x",
        "R$ 12.000,00",
        "tenho 35 anos e 2 filhos",
        "Protocolo 1234567",
        "entre 8 e 12",
    ] {
        assert_eq!(m(text), text, "{text}");
    }
}

#[test]
fn several_items_in_one_text() {
    let text = "Sou a Maria (maria@gmail.com), tel 11987654321, CPF 123.456.789-09. Às 14:30 ok.";
    assert_eq!(
        mask_text(text, Some("Maria Souza")),
        "Sou a [paciente] ([email]), tel [telefone], CPF [cpf]. Às 14:30 ok."
    );
}

#[test]
fn the_full_name_is_one_mask() {
    assert_eq!(
        mask_text(
            "Aqui é a Maria José da Silva, tudo bem?",
            Some("Maria José da Silva")
        ),
        "Aqui é a [paciente], tudo bem?"
    );
}

#[test]
fn name_parts_are_masked_ignoring_case_and_accents() {
    let name = Some("Conceição Araújo");
    assert_eq!(mask_text("oi, conceicao aqui", name), "oi, [paciente] aqui");
    assert_eq!(mask_text("ARAUJO, C.", name), "[paciente], C.");
    assert_eq!(mask_text("Conceição   Araujo", name), "[paciente]");
    assert_eq!(
        mask_text("Araújo e Conceição", name),
        "[paciente] e [paciente]"
    );
}

#[test]
fn names_match_whole_words_only() {
    let name = Some("Ana Maria");
    assert_eq!(mask_text("Mariana e Ana", name), "Mariana e [paciente]");
    assert_eq!(mask_text("banana", name), "banana");
    assert_eq!(mask_text("Ana-Maria", name), "[paciente]-[paciente]");
}

#[test]
fn short_name_parts_are_masked_only_inside_the_name() {
    let name = Some("Li da Costa");
    assert_eq!(mask_text("da clínica", name), "da clínica");
    assert_eq!(mask_text("Li da Costa falando", name), "[paciente] falando");
    assert_eq!(
        mask_text("a Costa da clínica", name),
        "a [paciente] da clínica"
    );
}

#[test]
fn an_empty_name_masks_nothing() {
    assert_eq!(mask_text("Olá Maria", Some("")), "Olá Maria");
    assert_eq!(mask_text("Olá Maria", Some("  ")), "Olá Maria");
    assert_eq!(mask_text("Olá Maria", None), "Olá Maria");
}

#[test]
fn masks_are_not_rescanned() {
    // A patient called "Telefone" does not break the phone mask.
    assert_eq!(mask_text("11987654321", Some("Telefone")), "[telefone]");
    assert_eq!(
        mask_text("Email: a@b.com", Some("Email")),
        "[paciente]: [email]"
    );
}

#[test]
fn text_without_personal_data_is_unchanged() {
    let text = "Bom dia! Gostaria de remarcar minha limpeza para sexta de manhã. Obrigada 😊";
    assert_eq!(mask_text(text, Some("Joana Prado")), text);
}

#[test]
fn cut_is_character_safe() {
    assert_eq!(cut("ação", 2), "aç");
    assert_eq!(cut("😊😊😊", 1), "😊");
    assert_eq!(cut("abc", 3), "abc");
    assert_eq!(cut("abc", 10), "abc");
    assert_eq!(cut("abc", 0), "");
    assert_eq!(cut("", 5), "");
}

#[test]
fn mask_and_cut_masks_before_cutting() {
    let text = "oi 11987654321";
    assert_eq!(mask_and_cut(text, None, 8), "oi [tele");
    let long = "é".repeat(600);
    assert_eq!(mask_and_cut(&long, None, 500).chars().count(), 500);
}

#[test]
fn cpf_check_digits() {
    let digits = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<_>>();
    assert!(cpf_check_digits_ok(&digits("12345678909")));
    assert!(!cpf_check_digits_ok(&digits("12345678900")));
    assert!(!cpf_check_digits_ok(&digits("11111111111")));
}

#[test]
fn fold_lowercases_and_strips_accents() {
    assert_eq!(
        fold("Remarcação À TARDE, Conceição"),
        "remarcacao a tarde, conceicao"
    );
    assert_eq!(fold("NÃO"), "nao");
}
