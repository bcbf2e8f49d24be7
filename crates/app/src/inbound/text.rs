//! Readable texts for messages that carry no text of their own (shown in the inbox and history;
//! pt-BR, the default clinic locale).

use domain::conversations::ContentType;

/// A short label for a message without text.
pub(crate) fn label(content: ContentType, detail: Option<&str>) -> String {
    let base = match content {
        ContentType::Image => "[imagem]",
        ContentType::Audio => "[áudio]",
        ContentType::Video => "[vídeo]",
        ContentType::Document => "[documento]",
        ContentType::Sticker => "[figurinha]",
        ContentType::Location => "[localização]",
        ContentType::Contacts => "[contato]",
        ContentType::Reaction => "[reação]",
        ContentType::Unsupported | ContentType::Unknown => "[mensagem não suportada]",
        ContentType::Text
        | ContentType::Interactive
        | ContentType::Button
        | ContentType::System => "",
    };
    match detail.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) if base.is_empty() => d.to_owned(),
        Some(d) => format!("{base} {d}"),
        None => base.to_owned(),
    }
}

/// Cuts `text` to `max` characters.
pub(crate) fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
