//! The comparison with the committed `docs/api.md` (or, with `ATENDE_BLESS=1`, its rewrite).

/// Equal to `docs/api.md` → pass; different → fail, or write it with `ATENDE_BLESS=1`.
pub fn compare_or_bless(markdown: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/api.md");
    if std::env::var_os("ATENDE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, markdown).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != markdown {
        let line = committed
            .lines()
            .zip(markdown.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || committed.lines().count().min(markdown.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "docs/api.md is out of date (first difference at line {line}): run `just docs` \
             (or `ATENDE_BLESS=1 cargo nextest run -p server --test it api_doc::`) and commit it"
        );
    }
}
