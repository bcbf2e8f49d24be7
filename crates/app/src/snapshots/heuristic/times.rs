//! Times of day the patient names as a limit: "depois das 18h", "após as 19:00", "a partir das
//! 17h", "after 5pm", "antes das 10h". After 17:00 is the evening, after noon the afternoon,
//! before noon the morning. A bare "after 5" is read as 5 p.m.

use super::cues::Preference;
use super::words::Words;

/// Words (folded) before a time that mean "from then on".
const AFTER: &[&str] = &[
    "depois das",
    "apos as",
    "a partir das",
    "after",
    "despues de las",
];
/// Words (folded) before a time that mean "until then".
const BEFORE: &[&str] = &["antes das", "before", "antes de las"];

/// The periods named by times in `words`.
pub(super) fn time_preferences(words: &Words) -> Vec<Preference> {
    let w = words.as_slice();
    let mut out = Vec::new();
    for (i, _) in w.iter().enumerate() {
        for (cues, after) in [(AFTER, true), (BEFORE, false)] {
            for cue in cues {
                let parts: Vec<&str> = cue.split(' ').collect();
                let matches = parts
                    .iter()
                    .enumerate()
                    .all(|(k, p)| w.get(i + k).is_some_and(|x| x == p));
                let Some(hour) = matches
                    .then(|| w.get(i + parts.len()))
                    .flatten()
                    .and_then(|t| hour(t, after))
                else {
                    continue;
                };
                let period = match (after, hour) {
                    (true, 17..=23) => Some(Preference::Evening),
                    (true, 12..=16) => Some(Preference::Afternoon),
                    (false, 0..=12) => Some(Preference::Morning),
                    _ => None,
                };
                if let Some(p) = period
                    && !out.contains(&p)
                {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// The hour of a time word (`18h30`, `18h`, `18`, `5pm`, `7am`); a bare 1–7 after "after" is
/// p.m.
fn hour(token: &str, after: bool) -> Option<u32> {
    let digits: String = token.chars().take_while(char::is_ascii_digit).collect();
    let rest = &token[digits.len()..];
    let h: u32 = digits.parse().ok()?;
    let pm = rest.starts_with("pm");
    let suffix_ok = rest.is_empty()
        || rest.starts_with('h')
        || rest.starts_with("pm")
        || rest.starts_with("am");
    if !suffix_ok || h > 24 {
        return None;
    }
    Some(
        if (pm || (after && rest.is_empty())) && (1..=7).contains(&h) {
            h + 12
        } else {
            h
        },
    )
}
