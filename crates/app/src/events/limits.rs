//! Caps on open streams, per caller and per clinic, on one node.

use super::OpenStreamError;
use domain::{CompanyId, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The most streams one caller and one clinic may hold open on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Per member (or API token): a few browser tabs.
    pub per_caller: u32,
    /// Per clinic on one node.
    pub per_clinic: u32,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self {
            per_caller: 5,
            per_clinic: 200,
        }
    }
}

/// Who holds a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamOwner {
    /// A signed-in member.
    Member(UserId),
    /// An API token (by a per-node key of its value).
    Token(u64),
}

#[derive(Debug, Default)]
struct Counts {
    by_clinic: HashMap<CompanyId, u32>,
    by_caller: HashMap<StreamOwner, u32>,
    total: u64,
}

/// The streams open on this node.
#[derive(Debug)]
pub(super) struct OpenStreams {
    limits: StreamLimits,
    counts: Mutex<Counts>,
}

impl OpenStreams {
    pub(super) fn new(limits: StreamLimits) -> Self {
        Self {
            limits,
            counts: Mutex::new(Counts::default()),
        }
    }

    pub(super) fn total(&self) -> u64 {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }

    /// A slot for one more stream, or the cap it would exceed.
    pub(super) fn take(
        self: &Arc<Self>,
        company: CompanyId,
        owner: StreamOwner,
    ) -> Result<StreamSlot, OpenStreamError> {
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if c.by_caller.get(&owner).copied().unwrap_or(0) >= self.limits.per_caller {
            return Err(OpenStreamError::TooManyForCaller);
        }
        if c.by_clinic.get(&company).copied().unwrap_or(0) >= self.limits.per_clinic {
            return Err(OpenStreamError::TooManyForClinic);
        }
        *c.by_caller.entry(owner).or_insert(0) += 1;
        *c.by_clinic.entry(company).or_insert(0) += 1;
        c.total += 1;
        Ok(StreamSlot {
            open: Arc::clone(self),
            company,
            owner,
        })
    }

    fn give_back(&self, company: CompanyId, owner: StreamOwner) {
        let mut c = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = c.by_caller.get_mut(&owner) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                c.by_caller.remove(&owner);
            }
        }
        if let Some(n) = c.by_clinic.get_mut(&company) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                c.by_clinic.remove(&company);
            }
        }
        c.total = c.total.saturating_sub(1);
    }
}

/// One open stream's place under the caps; given back when dropped.
#[derive(Debug)]
pub(super) struct StreamSlot {
    open: Arc<OpenStreams>,
    company: CompanyId,
    owner: StreamOwner,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.open.give_back(self.company, self.owner);
    }
}
