//! Other people's names, where the text introduces someone:
//!
//! - after a **relation** (`minha filha Ana`, `meu marido, o João`, `a sogra Dona Cida`, `my
//!   son Jake`, `mi hija Lucía`);
//! - after a **lay title** (`Dona Cida`, `Sr. Paulo`, `Sra. Lima`, `Mrs. Taylor`, `señora
//!   Gómez`; `seu` only before a common first name: `Seu Jorge`, not `seu WhatsApp`);
//! - in an **introduction** (`meu nome é Bia`, `me chamo Carla`, `aqui é a Luana`, `sou o
//!   Marcos`, `my name is Emma`, `me llamo Lucía`).
//!
//! The name is the capitalised word there (with up to three more capitalised words and their
//! connectors: `Ana Paula da Silva`), or, written in lower case, a common first name from
//! [`FIRST_NAMES`]. It becomes `[nome]`; the relation stays (`minha filha [nome]`), because who
//! the person is to the patient matters to the analysis.
//!
//! **Professionals are kept**: `Dr./Dra./Doutor(a)/Prof.` and the name after them are the
//! clinic's staff, and asking for one is a preference the analysis reports. Names that nothing
//! introduces (`a Sofia nem chorou`) are not recognised: a limit documented in
//! `docs/snapshots.md`.

use super::{Builder, PERSON_MASK, Segment, Word, gap, spaced, word_list};

/// Words (folded) for a person related to the speaker.
const RELATIONS: &[&str] = &[
    "filha",
    "filho",
    "filhas",
    "filhos",
    "marido",
    "esposa",
    "esposo",
    "mulher",
    "namorado",
    "namorada",
    "noivo",
    "noiva",
    "mae",
    "pai",
    "irma",
    "irmao",
    "avo",
    "tia",
    "tio",
    "prima",
    "primo",
    "sobrinha",
    "sobrinho",
    "neta",
    "neto",
    "sogra",
    "sogro",
    "cunhada",
    "cunhado",
    "enteada",
    "enteado",
    "madrasta",
    "padrasto",
    "amiga",
    "amigo",
    "colega",
    "vizinha",
    "vizinho",
    "chefe",
    "bebe",
    "nene",
    "companheira",
    "companheiro",
    "parceira",
    "parceiro",
    "afilhada",
    "afilhado",
    "madrinha",
    "padrinho",
    "daughter",
    "son",
    "husband",
    "wife",
    "partner",
    "mother",
    "mom",
    "mum",
    "father",
    "dad",
    "sister",
    "brother",
    "friend",
    "boyfriend",
    "girlfriend",
    "grandson",
    "granddaughter",
    "grandma",
    "grandpa",
    "grandmother",
    "grandfather",
    "niece",
    "nephew",
    "aunt",
    "uncle",
    "cousin",
    "baby",
    "hija",
    "hijo",
    "madre",
    "padre",
    "hermana",
    "hermano",
    "novia",
    "novio",
    "abuela",
    "abuelo",
    "nieta",
    "nieto",
    "sobrina",
    "pareja",
    "mama",
    "papa",
];

/// Lay titles (folded) before a name.
const TITLES: &[&str] = &[
    "sr", "sra", "srta", "dona", "mr", "mrs", "ms", "miss", "senor", "senora", "senorita", "don",
];

/// Titles of professionals: what follows them is kept.
const PROFESSIONAL_TITLES: &[&str] = &[
    "dr",
    "dra",
    "doutor",
    "doutora",
    "doctor",
    "doctora",
    "prof",
    "profa",
    "professor",
    "professora",
];

/// Introductions (folded words) after which a name follows.
const INTRODUCTIONS: &[&[&str]] = &[
    &["meu", "nome", "e"],
    &["me", "chamo"],
    &["aqui", "e"],
    &["sou", "a"],
    &["sou", "o"],
    &["my", "name", "is"],
    &["this", "is"],
    &["me", "llamo"],
    &["mi", "nombre", "es"],
    &["soy"],
];

/// Articles between a relation or an introduction and the name.
const ARTICLES: &[&str] = &["o", "a", "the", "el", "la"];

/// Connectors inside a full name.
const CONNECTORS: &[&str] = &["da", "de", "do", "das", "dos", "del", "e"];

/// Capitalised words that are not names.
const NOT_NAMES: &[&str] = &[
    "ele",
    "ela",
    "eles",
    "elas",
    "nao",
    "sim",
    "que",
    "mas",
    "tambem",
    "ja",
    "esta",
    "ta",
    "tem",
    "vai",
    "foi",
    "e",
    "he",
    "she",
    "it",
    "is",
    "has",
    "was",
    "and",
    "who",
    "el",
    "ella",
    "tiene",
    "y",
    "whatsapp",
    "instagram",
    "email",
    "ok",
    "oi",
    "ola",
    "obrigada",
    "obrigado",
    "bom",
    "boa",
    "hi",
    "hello",
    "hola",
];

/// Common first names (folded) recognised in lower case after a relation, a title or an
/// introduction. Names that are also common words (`rosa`, `clara`, `luz`…) are left out.
pub(super) const FIRST_NAMES: &[&str] = &[
    "ana",
    "maria",
    "joao",
    "jose",
    "pedro",
    "paulo",
    "lucas",
    "gabriel",
    "rafael",
    "miguel",
    "arthur",
    "heitor",
    "davi",
    "bernardo",
    "matheus",
    "enzo",
    "lorenzo",
    "theo",
    "gustavo",
    "guilherme",
    "felipe",
    "bruno",
    "carlos",
    "marcos",
    "antonio",
    "francisco",
    "luiz",
    "luis",
    "fernando",
    "ricardo",
    "rodrigo",
    "eduardo",
    "daniel",
    "thiago",
    "tiago",
    "leonardo",
    "diego",
    "andre",
    "jorge",
    "sergio",
    "vinicius",
    "caio",
    "samuel",
    "benjamin",
    "noah",
    "juliana",
    "julia",
    "fernanda",
    "patricia",
    "aline",
    "camila",
    "amanda",
    "bruna",
    "jessica",
    "leticia",
    "mariana",
    "beatriz",
    "larissa",
    "gabriela",
    "adriana",
    "sandra",
    "marcia",
    "luciana",
    "vanessa",
    "renata",
    "carla",
    "paula",
    "sofia",
    "sophia",
    "helena",
    "alice",
    "laura",
    "manuela",
    "valentina",
    "isabella",
    "isabela",
    "heloisa",
    "lorena",
    "livia",
    "cecilia",
    "giovanna",
    "lara",
    "luana",
    "bianca",
    "carolina",
    "natalia",
    "raquel",
    "debora",
    "tatiana",
    "simone",
    "cristina",
    "fatima",
    "aparecida",
    "francisca",
    "antonia",
    "lucia",
    "emma",
    "olivia",
    "ava",
    "mia",
    "emily",
    "jake",
    "jack",
    "james",
    "john",
    "michael",
    "william",
    "david",
    "sarah",
    "martina",
    "pablo",
    "javier",
    "alejandro",
    "carmen",
    "pilar",
    "isabel",
    "elena",
    "marta",
];

pub(super) fn mask_people(chars: &[char]) -> Vec<Segment> {
    let words = word_list(chars);
    let mut b = Builder::new(chars);
    let mut i = 0;
    while i < words.len() {
        let after = trigger(chars, &words, i);
        if let Some((start, end)) = after.and_then(|k| name_at(chars, &words, k))
            && words[start].start >= b.pending
        {
            b.mask(words[start].start, words[end - 1].end, PERSON_MASK);
            i = end;
            continue;
        }
        i += 1;
    }
    b.finish()
}

/// When a relation, a lay title or an introduction starts at `i`: the index of the word where
/// the name should be (after a comma, articles and lay titles).
fn trigger(chars: &[char], words: &[Word], i: usize) -> Option<usize> {
    let w = &words[i];
    let folded = w.folded.as_str();
    let mut k = if RELATIONS.contains(&folded) || TITLES.contains(&folded) {
        i + 1
    } else if folded == "seu" {
        // `Seu Jorge`, but not `seu WhatsApp`: only before a common first name.
        let next = words.get(i + 1)?;
        if !FIRST_NAMES.contains(&next.folded.as_str()) || !spaced(chars, w, next) {
            return None;
        }
        i + 1
    } else {
        let phrase = INTRODUCTIONS.iter().find(|p| {
            p.iter().enumerate().all(|(n, part)| {
                words.get(i + n).is_some_and(|x| x.folded == *part)
                    && (n == 0 || spaced(chars, &words[i + n - 1], &words[i + n]))
            })
        })?;
        i + phrase.len()
    };
    // Skip `, `, articles and lay titles (`minha mãe, Dona Cida`; `meu marido, o João`); a dot
    // only after a title (`Sr. Paulo`), since after anything else it ends the sentence.
    while let Some(next) = words.get(k) {
        let prev = &words[k - 1];
        let dot_ok = TITLES.contains(&prev.folded.as_str());
        let g = gap(chars, prev, next);
        let joined = !g.is_empty()
            && g.iter().filter(|c| !c.is_whitespace()).count() <= 1
            && g.iter()
                .all(|c| c.is_whitespace() || matches!(c, ',' | ':') || (dot_ok && *c == '.'));
        if !joined {
            return None;
        }
        let f = next.folded.as_str();
        if ARTICLES.contains(&f) || TITLES.contains(&f) {
            k += 1;
        } else {
            return Some(k);
        }
    }
    None
}

/// The name at `k`: `(first, past_last)` word indexes.
fn name_at(chars: &[char], words: &[Word], k: usize) -> Option<(usize, usize)> {
    let w = words.get(k)?;
    let f = w.folded.as_str();
    if PROFESSIONAL_TITLES.contains(&f) || w.digits {
        return None;
    }
    let letters = w.folded.chars().all(char::is_alphabetic) && w.folded.chars().count() >= 2;
    let capital_name = w.capitalised && letters && !NOT_NAMES.contains(&f);
    if !capital_name {
        return FIRST_NAMES.contains(&f).then_some((k, k + 1));
    }
    // Surnames: capitalised words, with connectors between them.
    let mut end = k + 1;
    let mut extra = 0;
    while extra < 3 {
        let next = words.get(end);
        let is_part = |x: &Word| {
            x.capitalised
                && x.folded.chars().all(char::is_alphabetic)
                && !NOT_NAMES.contains(&x.folded.as_str())
        };
        match next {
            Some(n) if spaced(chars, &words[end - 1], n) && is_part(n) => {
                end += 1;
                extra += 1;
            }
            Some(n)
                if spaced(chars, &words[end - 1], n)
                    && CONNECTORS.contains(&n.folded.as_str())
                    && words
                        .get(end + 1)
                        .is_some_and(|m| spaced(chars, n, m) && is_part(m)) =>
            {
                end += 2;
                extra += 1;
            }
            _ => break,
        }
    }
    Some((k, end))
}
