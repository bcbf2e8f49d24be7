//! `POST /api/interactions/{id}/retry`: queue a failed reply again.

use super::Outbox;
use domain::conversations::Interaction;
use domain::outbound::{RequeueOutcome, dispatch_job};
use domain::{CompanyId, InteractionId};

/// Why a message was not queued again.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    /// No such message in this clinic.
    #[error("interaction not found")]
    NotFound,
    /// Only a `failed` outbound message can be retried.
    #[error("only a failed outbound message can be retried")]
    NotRetryable,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl Outbox {
    /// Moves a `failed` outbound message back to `queued` (clearing its failure) and queues a
    /// new dispatch job with a fresh attempt budget, in one transaction. The dispatch carries
    /// the same `Idempotency-Key` (the interaction id) as the failed attempts.
    ///
    /// # Errors
    /// See [`RetryError`].
    pub async fn retry(
        &self,
        company: CompanyId,
        id: InteractionId,
    ) -> Result<Interaction, RetryError> {
        let job = dispatch_job(id, self.max_attempts);
        match self
            .store
            .requeue_failed(company, id, job, self.clock.now())
            .await?
        {
            RequeueOutcome::Requeued(i) => {
                tracing::info!(company_id = %company, interaction_id = %id, outcome = "requeued", "reply retry");
                Ok(i)
            }
            RequeueOutcome::NotRetryable => Err(RetryError::NotRetryable),
            RequeueOutcome::NotFound => Err(RetryError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::{clock_at, outbox, t0};
    use super::*;
    use domain::jobs::kinds::OUTBOUND_DISPATCH;
    use domain::ports::outbox::MockOutboxStore;

    #[tokio::test]
    async fn a_failed_message_gets_a_new_job_and_anything_else_is_refused() {
        let id = InteractionId::new();
        let mut store = MockOutboxStore::new();
        store
            .expect_requeue_failed()
            .withf(move |_, i, job, at| {
                *i == id
                    && job.kind == OUTBOUND_DISPATCH
                    && job.max_attempts == Some(3)
                    && *at == t0()
            })
            .times(2)
            .returning(|_, _, _, _| Ok(RequeueOutcome::NotRetryable));
        let uc = outbox(store, clock_at(t0()), 3);
        assert!(matches!(
            uc.retry(CompanyId::new(), id).await.unwrap_err(),
            RetryError::NotRetryable
        ));
        assert!(matches!(
            uc.retry(CompanyId::new(), id).await.unwrap_err(),
            RetryError::NotRetryable
        ));

        let mut store = MockOutboxStore::new();
        store
            .expect_requeue_failed()
            .returning(|_, _, _, _| Ok(RequeueOutcome::NotFound));
        let uc = outbox(store, clock_at(t0()), 3);
        assert!(matches!(
            uc.retry(CompanyId::new(), id).await.unwrap_err(),
            RetryError::NotFound
        ));
    }
}
