//! The worker's capacities: `ATENDE_WORKER_DISPATCH`, `ATENDE_WORKER_ANALYSIS`,
//! `ATENDE_WORKER_SWEEP`, each `SLOTS[,PER_CLINIC]`.

use super::Class;
use crate::config::{ConfigError, Source};

/// The capacity of one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    /// Jobs of the class one worker runs at once.
    pub slots: u32,
    /// Running jobs of the class one clinic may hold at once, across all workers (its share).
    pub per_clinic: u32,
}

/// The capacities of the three classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacities {
    /// `outbound_dispatch` (default 16 slots, 4 per clinic).
    pub dispatch: Capacity,
    /// Snapshot analyses (default 4 slots, 2 per clinic).
    pub analysis: Capacity,
    /// Daily sweeps (default 2 slots, 1 per clinic).
    pub sweep: Capacity,
}

impl Default for Capacities {
    fn default() -> Self {
        Self {
            dispatch: Capacity {
                slots: 16,
                per_clinic: 4,
            },
            analysis: Capacity {
                slots: 4,
                per_clinic: 2,
            },
            sweep: Capacity {
                slots: 2,
                per_clinic: 1,
            },
        }
    }
}

impl Capacities {
    /// The capacity of `class`.
    #[must_use]
    pub fn of(&self, class: Class) -> Capacity {
        match class {
            Class::Dispatch => self.dispatch,
            Class::Analysis => self.analysis,
            Class::Sweep => self.sweep,
        }
    }

    /// Reads the settings.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the malformed variable.
    pub fn from_source(src: &dyn Source) -> Result<Self, ConfigError> {
        let d = Self::default();
        Ok(Self {
            dispatch: capacity(src, "ATENDE_WORKER_DISPATCH", d.dispatch)?,
            analysis: capacity(src, "ATENDE_WORKER_ANALYSIS", d.analysis)?,
            sweep: capacity(src, "ATENDE_WORKER_SWEEP", d.sweep)?,
        })
    }
}

/// `SLOTS[,PER_CLINIC]`: 1–256 slots; a share of 1–SLOTS (default: a quarter of the slots,
/// at least 1).
fn capacity(
    src: &dyn Source,
    name: &'static str,
    default: Capacity,
) -> Result<Capacity, ConfigError> {
    let Some(raw) = src.get(name) else {
        return Ok(default);
    };
    let bad = || {
        ConfigError {
        name,
        reason: "must be SLOTS[,PER_CLINIC]: 1 to 256 slots and a per-clinic share from 1 to SLOTS (e.g. 16,4)".into(),
    }
    };
    let mut parts = raw.split(',').map(str::trim);
    let slots: u32 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .filter(|s| (1..=256).contains(s))
        .ok_or_else(bad)?;
    let per_clinic = match parts.next() {
        None => (slots / 4).max(1),
        Some(s) => s
            .parse()
            .ok()
            .filter(|p| (1..=slots).contains(p))
            .ok_or_else(bad)?,
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(Capacity { slots, per_clinic })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_values_and_errors_name_the_variable() {
        let c = Capacities::from_source(&[("X", "y")]).unwrap();
        assert_eq!(c, Capacities::default());
        assert_eq!(c.dispatch.slots, 16);
        let c = Capacities::from_source(&[
            ("ATENDE_WORKER_DISPATCH", "32, 8"),
            ("ATENDE_WORKER_ANALYSIS", "8"),
            ("ATENDE_WORKER_SWEEP", "1,1"),
        ])
        .unwrap();
        assert_eq!(
            c.dispatch,
            Capacity {
                slots: 32,
                per_clinic: 8
            }
        );
        assert_eq!(
            c.analysis,
            Capacity {
                slots: 8,
                per_clinic: 2
            }
        );
        assert_eq!(c.sweep.slots, 1);
        for (name, bad) in [
            ("ATENDE_WORKER_DISPATCH", "0"),
            ("ATENDE_WORKER_DISPATCH", "300"),
            ("ATENDE_WORKER_ANALYSIS", "4,5"),
            ("ATENDE_WORKER_ANALYSIS", "4,0"),
            ("ATENDE_WORKER_SWEEP", "many"),
            ("ATENDE_WORKER_SWEEP", "2,1,1"),
        ] {
            let e = Capacities::from_source(&[(name, bad)]).unwrap_err();
            assert_eq!(e.name, name, "{name}={bad}");
        }
    }
}
