//! The bound on concurrent password hashing.
//!
//! Each argon2id run holds its memory cost (19 MiB with the OWASP parameters) for tens of
//! milliseconds of CPU. Unbounded, a burst of bogus sign-ins multiplies that by the burst size
//! (measured: 300 concurrent sign-ins took the server to 2.3–2.8 GB). The gate lets at most
//! `concurrency` runs hold memory at a time, lets at most `queue` more wait for a slot (a waiter
//! holds no argon2 memory), and refuses everything beyond that at once with
//! [`Busy`], which the HTTP layer answers with 503 and `Retry-After`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The gate is saturated: every slot is running and the waiting line is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is saturated")]
pub struct Busy;

/// How many hashing runs may hold memory at a time, and how many may wait for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateLimits {
    /// Runs at a time (≥ 1); about the number of cores.
    pub concurrency: usize,
    /// Callers allowed to wait for a slot; beyond them callers get [`Busy`] at once.
    pub queue: usize,
}

impl Default for GateLimits {
    /// One run per available core, and a waiting line of 8 per run.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        Self {
            concurrency: cores,
            queue: cores * 8,
        }
    }
}

/// A bounded semaphore in front of the blocking pool (see the module docs).
#[derive(Debug, Clone)]
pub struct HashGate {
    slots: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    admitted: Arc<AtomicUsize>,
    limits: GateLimits,
}

/// A caller admitted by [`HashGate::admit`]; gives its place back when dropped.
#[derive(Debug)]
pub struct Admitted(Arc<AtomicUsize>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Decrements the waiting count when a waiter stops waiting (got a slot, or was cancelled).
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl HashGate {
    /// A gate with `limits` (a concurrency of 0 is taken as 1).
    #[must_use]
    pub fn new(limits: GateLimits) -> Self {
        let limits = GateLimits {
            concurrency: limits.concurrency.max(1),
            queue: limits.queue,
        };
        Self {
            slots: Arc::new(Semaphore::new(limits.concurrency)),
            waiting: Arc::new(AtomicUsize::new(0)),
            admitted: Arc::new(AtomicUsize::new(0)),
            limits,
        }
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> GateLimits {
        self.limits
    }

    /// Callers currently waiting for a slot.
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Slots free right now.
    #[must_use]
    pub fn free(&self) -> usize {
        self.slots.available_permits()
    }

    /// Admits one caller that will run through this gate later (after other work), or `None`
    /// when as many callers are admitted and not yet done as there are slots and places in the
    /// line. The place is given back when the returned guard drops.
    #[must_use]
    pub fn admit(&self) -> Option<Admitted> {
        let limit = self.limits.concurrency + self.limits.queue;
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= limit {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Admitted(Arc::clone(&self.admitted)))
    }

    async fn slot(&self) -> Result<OwnedSemaphorePermit, Busy> {
        if let Ok(permit) = Arc::clone(&self.slots).try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.limits.queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Busy);
        }
        let _waiting = Waiting(Arc::clone(&self.waiting));
        // The semaphore is never closed.
        Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|_| Busy)
    }

    /// Runs `work` on the blocking pool once a slot is free. The slot moves into the blocking
    /// task, so it stays taken until the work ends even when the caller goes away (a
    /// disconnected client cannot free memory that is still in use).
    ///
    /// # Errors
    /// [`Busy`] when saturated; the work does not run.
    pub async fn run<T, F>(&self, work: F) -> Result<anyhow::Result<T>, Busy>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let slot = self.slot().await?;
        let joined = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            work()
        })
        .await;
        Ok(joined.map_err(anyhow::Error::from))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::sync::mpsc;
    use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

    /// Work that says it started, then blocks until released; counts the runs at once and the
    /// most ever seen.
    fn job(
        running: &Arc<AtomicUsize>,
        peak: &Arc<AtomicUsize>,
        started: UnboundedSender<()>,
        release: mpsc::Receiver<()>,
    ) -> impl FnOnce() + Send + 'static {
        let (running, peak) = (Arc::clone(running), Arc::clone(peak));
        move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            started.send(()).unwrap();
            release.recv().unwrap();
            running.fetch_sub(1, Ordering::SeqCst);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_concurrency_runs_at_once_the_queue_waits_and_the_overflow_is_busy() {
        let gate = HashGate::new(GateLimits {
            concurrency: 2,
            queue: 3,
        });
        let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (started_tx, mut started) = unbounded_channel();
        let mut releases = Vec::new();
        let mut callers = Vec::new();
        for i in 0..5 {
            let (release_tx, release_rx) = mpsc::channel();
            releases.push(release_tx);
            let work = job(&running, &peak, started_tx.clone(), release_rx);
            let gate = gate.clone();
            callers.push(tokio::spawn(async move { gate.run(work).await }));
            if i < 2 {
                started.recv().await.unwrap();
            }
        }
        // Two run (both slots taken), three wait.
        while gate.waiting() < 3 {
            tokio::task::yield_now().await;
        }
        assert_eq!(gate.free(), 0);
        assert_eq!(running.load(Ordering::SeqCst), 2);
        // Slots and line are full: the next caller is refused at once; its work never runs.
        let refused = gate
            .run(|| panic!("the work of a refused caller must not run"))
            .await;
        assert_eq!(refused.err(), Some(Busy));
        assert_eq!(gate.waiting(), 3, "a refused caller does not join the line");
        for release in releases {
            release.send(()).unwrap();
        }
        for caller in callers {
            assert!(caller.await.unwrap().unwrap().is_ok());
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2, "never more than 2 at once");
        assert_eq!((gate.free(), gate.waiting()), (2, 0));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_waiter_leaves_the_line_and_a_cancelled_runner_keeps_its_slot() {
        let gate = HashGate::new(GateLimits {
            concurrency: 1,
            queue: 1,
        });
        let (running, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (started_tx, mut started) = unbounded_channel();
        let (release_tx, release_rx) = mpsc::channel();
        let work = job(&running, &peak, started_tx, release_rx);
        let runner = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.run(work).await })
        };
        started.recv().await.unwrap();
        // The caller of a running job goes away: the work goes on and keeps its slot.
        runner.abort();
        let _ = runner.await;
        assert_eq!(gate.free(), 0);
        let waiter = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.run(|| ()).await })
        };
        while gate.waiting() < 1 {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(gate.waiting(), 0, "an aborted waiter gives its place back");
        release_tx.send(()).unwrap();
        assert_eq!(gate.run(|| 7).await.unwrap().unwrap(), 7);
        assert_eq!(gate.free(), 1);
    }
}
