//! The analyst agent's memory of a patient: what goes into an analysis, what comes out, and the
//! stored snapshot.
//!
//! Everything sent to an analyzer is masked first ([`privacy`]): phone numbers, e-mails and
//! CPF-like numbers in texts, and the patient's name wherever it appears; the name itself is
//! never part of the input.

pub mod privacy;
mod runs;
mod stored;
mod types;

pub use runs::*;
pub use stored::*;
pub use types::*;
