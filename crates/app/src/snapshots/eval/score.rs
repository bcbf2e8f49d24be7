//! Scoring analyses against labels: confusion tables for the two flags and the share of expected
//! preference/objection items found.

use domain::snapshots::{Analysis, NoShowRisk, Sentiment};

use super::case::EvalCase;
use super::labels::ObjectionKey;

/// Expected (rows) against got (columns) for one flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confusion {
    /// The class names, in row and column order.
    pub classes: &'static [&'static str],
    /// `counts[expected][got]`.
    pub counts: Vec<Vec<u32>>,
}

impl Confusion {
    fn new(classes: &'static [&'static str]) -> Self {
        Self {
            classes,
            counts: vec![vec![0; classes.len()]; classes.len()],
        }
    }

    fn record(&mut self, expected: usize, got: usize) {
        if let Some(cell) = self.counts.get_mut(expected).and_then(|r| r.get_mut(got)) {
            *cell += 1;
        }
    }

    /// Cases on the diagonal.
    #[must_use]
    pub fn agreed(&self) -> u32 {
        (0..self.classes.len()).map(|i| self.counts[i][i]).sum()
    }

    /// All cases.
    #[must_use]
    pub fn total(&self) -> u32 {
        self.counts.iter().flatten().sum()
    }

    /// [`Self::agreed`] / [`Self::total`] (0 when empty).
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        ratio(self.agreed(), self.total())
    }
}

/// How the expected items of one list fared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemScore {
    /// Items the labels expect.
    pub expected: u32,
    /// Expected items the analysis reported.
    pub found: u32,
    /// Items the analysis reported.
    pub reported: u32,
    /// Reported items that name none of the expected ones.
    pub unexpected: u32,
}

impl ItemScore {
    /// `found / expected` (1 when nothing was expected).
    #[must_use]
    pub fn found_share(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            ratio(self.found, self.expected)
        }
    }

    fn add(&mut self, other: &Self) {
        self.expected += other.expected;
        self.found += other.found;
        self.reported += other.reported;
        self.unexpected += other.unexpected;
    }
}

/// Where one case's analysis disagreed with its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseMiss {
    /// The case id.
    pub id: String,
    /// `(expected, got)` when the sentiment differs.
    pub sentiment: Option<(Sentiment, Sentiment)>,
    /// `(expected, got)` when the risk differs.
    pub risk: Option<(NoShowRisk, NoShowRisk)>,
    /// Expected items not reported (`objection:price`, `preference:morning`).
    pub missing: Vec<String>,
    /// Reported items that name nothing expected, as the analyzer wrote them.
    pub unexpected: Vec<String>,
}

/// The scores of a whole set.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    /// The analyzer that made the analyses (`heuristic-v1`, `openai`).
    pub analyzer: String,
    /// Sentiment, expected × got.
    pub sentiment: Confusion,
    /// No-show risk, expected × got.
    pub risk: Confusion,
    /// Preferences.
    pub preferences: ItemScore,
    /// Objections.
    pub objections: ItemScore,
    /// Every case with a disagreement, in set order.
    pub misses: Vec<CaseMiss>,
}

/// The sentiment classes, in table order.
pub const SENTIMENTS: &[&str] = &["positive", "neutral", "negative", "mixed"];
/// The risk classes, in table order.
pub const RISKS: &[&str] = &["low", "medium", "high"];

fn sentiment_index(s: Sentiment) -> usize {
    match s {
        Sentiment::Positive => 0,
        Sentiment::Neutral => 1,
        Sentiment::Negative => 2,
        Sentiment::Mixed => 3,
    }
}

fn risk_index(r: NoShowRisk) -> usize {
    match r {
        NoShowRisk::Low => 0,
        NoShowRisk::Medium => 1,
        NoShowRisk::High => 2,
    }
}

impl EvalReport {
    /// An empty report for `analyzer`.
    #[must_use]
    pub fn new(analyzer: impl Into<String>) -> Self {
        Self {
            analyzer: analyzer.into(),
            sentiment: Confusion::new(SENTIMENTS),
            risk: Confusion::new(RISKS),
            preferences: ItemScore::default(),
            objections: ItemScore::default(),
            misses: Vec::new(),
        }
    }

    /// Scores one case's analysis.
    pub fn record(&mut self, case: &EvalCase, got: &Analysis) {
        let want = &case.expected;
        self.sentiment.record(
            sentiment_index(want.sentiment),
            sentiment_index(got.flags.sentiment),
        );
        self.risk.record(
            risk_index(want.no_show_risk),
            risk_index(got.flags.no_show_risk),
        );
        let mut miss = CaseMiss {
            id: case.id.clone(),
            sentiment: (want.sentiment != got.flags.sentiment)
                .then_some((want.sentiment, got.flags.sentiment)),
            risk: (want.no_show_risk != got.flags.no_show_risk)
                .then_some((want.no_show_risk, got.flags.no_show_risk)),
            missing: Vec::new(),
            unexpected: Vec::new(),
        };
        let prefs = score_list(
            &want.preferences,
            &got.flags.preferences,
            |key, item| key.found_in(item),
            "preference",
            &mut miss,
        );
        self.preferences.add(&prefs);
        let objections = score_list(
            &want.objections,
            &got.flags.objections,
            |key, item| ObjectionKey::of(item).contains(key),
            "objection",
            &mut miss,
        );
        self.objections.add(&objections);
        let disagrees = miss.sentiment.is_some()
            || miss.risk.is_some()
            || !miss.missing.is_empty()
            || !miss.unexpected.is_empty();
        if disagrees {
            self.misses.push(miss);
        }
    }

    /// Cases scored.
    #[must_use]
    pub fn cases(&self) -> u32 {
        self.sentiment.total()
    }

    /// Expected preferences and objections found, together.
    #[must_use]
    pub fn items(&self) -> ItemScore {
        let mut all = self.preferences;
        all.add(&self.objections);
        all
    }
}

/// Scores one list: which expected keys some reported item names, and which reported items name
/// no expected key.
fn score_list<K: std::fmt::Display>(
    expected: &[K],
    reported: &[String],
    found_in: impl Fn(&K, &str) -> bool,
    kind: &str,
    miss: &mut CaseMiss,
) -> ItemScore {
    let mut score = ItemScore {
        expected: count(expected.len()),
        reported: count(reported.len()),
        ..ItemScore::default()
    };
    for key in expected {
        if reported.iter().any(|item| found_in(key, item)) {
            score.found += 1;
        } else {
            miss.missing.push(format!("{kind}:{key}"));
        }
    }
    for item in reported {
        if !expected.iter().any(|key| found_in(key, item)) {
            score.unexpected += 1;
            miss.unexpected.push(format!("{kind}:{item}"));
        }
    }
    score
}

/// The targets an analyzer is held to on the project's set (issue #22).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// Least sentiment accuracy.
    pub sentiment: f64,
    /// Least no-show risk accuracy.
    pub risk: f64,
    /// Least share of expected preference and objection items found.
    pub items: f64,
}

/// Sentiment ≥ 85 %, no-show risk ≥ 85 %, expected items found ≥ 80 %.
pub const TARGETS: Targets = Targets {
    sentiment: 0.85,
    risk: 0.85,
    items: 0.80,
};

impl Targets {
    /// The targets `report` misses, described; empty when it meets them all.
    #[must_use]
    pub fn missed_by(&self, report: &EvalReport) -> Vec<String> {
        let mut out = Vec::new();
        let mut check = |name: &str, got: f64, least: f64| {
            if got < least {
                out.push(format!("{name} {} < {}", percent(got), percent(least)));
            }
        };
        check("sentiment", report.sentiment.accuracy(), self.sentiment);
        check("no-show risk", report.risk.accuracy(), self.risk);
        check("items found", report.items().found_share(), self.items);
        out
    }
}

/// `0.854` → `"85.4 %"`.
#[must_use]
pub fn percent(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
