//! Argon2 memory reused across runs.
//!
//! Asking the allocator for a fresh 19 MiB block on every hash and freeing it afterwards made the
//! resident set grow by about 10 MB per hashed sign-in (glibc raises its mmap threshold after
//! the first large free, so later blocks come from arenas that are not given back; measured in
//! `just chaos`: 37 hashed sign-ins → +493 MB). A pool of buffers, each used by one run at a
//! time and given back afterwards, keeps the memory at (runs at a time) × block size for the
//! whole life of the process. The hashing gate bounds runs at a time, hence the pool.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::Block;

/// Buffers kept for reuse at most; a run beyond them allocates and frees its own.
const MAX_POOLED: usize = 32;

/// Buffers of argon2 blocks, shared by a hasher's clones.
#[derive(Clone, Debug, Default)]
pub(super) struct MemoryPool {
    free: Arc<Mutex<Vec<Vec<Block>>>>,
}

impl MemoryPool {
    /// Runs `work` with at least `blocks` blocks of memory: a pooled buffer when one is free and
    /// large enough, otherwise a new one; the buffer goes back to the pool afterwards.
    pub(super) fn run<T>(&self, blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        let mut buffer = self.take(blocks);
        let result = work(&mut buffer);
        self.give_back(buffer);
        result
    }

    fn take(&self, blocks: usize) -> Vec<Block> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        match free.iter().position(|b| b.len() >= blocks) {
            Some(i) => free.swap_remove(i),
            None => {
                drop(free);
                vec![Block::default(); blocks]
            }
        }
    }

    fn give_back(&self, buffer: Vec<Block>) {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        if free.len() < MAX_POOLED {
            free.push(buffer);
        }
    }

    /// Buffers waiting for reuse.
    #[cfg(test)]
    pub(super) fn pooled(&self) -> usize {
        self.free
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_is_reused_not_reallocated() {
        let pool = MemoryPool::default();
        let first = pool.run(64, |b| b.as_ptr() as usize);
        let second = pool.run(64, |b| b.as_ptr() as usize);
        assert_eq!(first, second, "the second run got the first run's buffer");
        assert_eq!(pool.pooled(), 1);
    }

    #[test]
    fn concurrent_runs_use_separate_buffers_and_all_come_back() {
        let pool = MemoryPool::default();
        let outer = pool.run(64, |a| {
            let inner = pool.run(64, |b| b.as_ptr() as usize);
            (a.as_ptr() as usize, inner)
        });
        assert_ne!(outer.0, outer.1);
        assert_eq!(pool.pooled(), 2);
    }

    #[test]
    fn a_larger_need_gets_a_large_enough_buffer() {
        let pool = MemoryPool::default();
        pool.run(8, |b| assert!(b.len() >= 8));
        pool.run(128, |b| assert!(b.len() >= 128));
        pool.run(128, |b| assert!(b.len() >= 128));
        assert_eq!(pool.pooled(), 2);
    }
}
