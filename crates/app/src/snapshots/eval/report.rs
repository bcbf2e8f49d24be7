//! The printed table of an [`EvalReport`].

use std::fmt::{self, Write as _};

use super::score::{Confusion, EvalReport, ItemScore, TARGETS, percent};

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "analyzer: {}   cases: {}", self.analyzer, self.cases())?;
        writeln!(f)?;
        writeln!(f, "{:<22}{:>9}{:>9}", "flag", "agreed", "share")?;
        flag_row(
            f,
            "sentiment",
            self.sentiment.agreed(),
            self.sentiment.total(),
        )?;
        flag_row(f, "no-show risk", self.risk.agreed(), self.risk.total())?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<22}{:>9}{:>9}   reported (not expected)",
            "expected items", "found", "share"
        )?;
        item_row(f, "preferences", &self.preferences)?;
        item_row(f, "objections", &self.objections)?;
        item_row(f, "all items", &self.items())?;
        writeln!(f)?;
        confusion(f, "sentiment", &self.sentiment)?;
        writeln!(f)?;
        confusion(f, "no-show risk", &self.risk)?;
        writeln!(f)?;
        let missed = TARGETS.missed_by(self);
        if missed.is_empty() {
            writeln!(
                f,
                "targets (sentiment >= 85 %, no-show risk >= 85 %, items found >= 80 %): met"
            )?;
        } else {
            writeln!(f, "targets not met: {}", missed.join("; "))?;
        }
        if !self.misses.is_empty() {
            writeln!(f)?;
            writeln!(f, "disagreements ({} cases):", self.misses.len())?;
            for miss in &self.misses {
                let mut line = format!("  {}:", miss.id);
                if let Some((want, got)) = miss.sentiment {
                    let _ = write!(line, " sentiment {want:?}->{got:?};");
                }
                if let Some((want, got)) = miss.risk {
                    let _ = write!(line, " risk {want:?}->{got:?};");
                }
                if !miss.missing.is_empty() {
                    let _ = write!(line, " missing {};", miss.missing.join(", "));
                }
                if !miss.unexpected.is_empty() {
                    let _ = write!(line, " unexpected {};", miss.unexpected.join(", "));
                }
                writeln!(f, "{}", line.trim_end_matches(';'))?;
            }
        }
        Ok(())
    }
}

fn flag_row(f: &mut fmt::Formatter<'_>, name: &str, agreed: u32, total: u32) -> fmt::Result {
    let share = if total == 0 {
        0.0
    } else {
        f64::from(agreed) / f64::from(total)
    };
    writeln!(
        f,
        "{name:<22}{:>9}{:>9}",
        format!("{agreed}/{total}"),
        percent(share)
    )
}

fn item_row(f: &mut fmt::Formatter<'_>, name: &str, s: &ItemScore) -> fmt::Result {
    writeln!(
        f,
        "{name:<22}{:>9}{:>9}   {} ({})",
        format!("{}/{}", s.found, s.expected),
        percent(s.found_share()),
        s.reported,
        s.unexpected
    )
}

fn confusion(f: &mut fmt::Formatter<'_>, name: &str, c: &Confusion) -> fmt::Result {
    writeln!(f, "{name}: expected (rows) x got (columns)")?;
    write!(f, "{:<12}", "")?;
    for class in c.classes {
        write!(f, "{class:>10}")?;
    }
    writeln!(f)?;
    for (class, row) in c.classes.iter().zip(&c.counts) {
        write!(f, "{class:<12}")?;
        for n in row {
            write!(f, "{n:>10}")?;
        }
        writeln!(f)?;
    }
    Ok(())
}
