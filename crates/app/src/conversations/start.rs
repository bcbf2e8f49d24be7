//! `POST /api/conversations/start`.

use super::Conversations;
use chrono::Duration;
use domain::conversations::{
    CLOSE_REASON_WINDOW_EXPIRED, Conversation, ReopenDecision, reopen_decision,
};
use domain::ports::conversations::{CloseRequest, OpenOutcome};
use domain::{Channel, ClientId, CompanyId};

/// The thread a start resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// The patient's active thread.
    pub conversation: Conversation,
    /// Whether this call opened it (201) rather than reusing it (200).
    pub created: bool,
}

/// Why a conversation could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartConversationError {
    /// No such client in this clinic.
    #[error("client not found")]
    ClientNotFound,
    /// Anything else.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

/// Concurrent starts can each lose one race (another caller opens or closes in between); a few
/// rounds always settle because the partial unique index admits exactly one active thread.
const MAX_ROUNDS: usize = 5;

impl Conversations {
    /// Returns the patient's active thread when its last message (or its start) is within the
    /// clinic's reopen window; otherwise closes the stale thread (`window_expired`) and opens a new
    /// one on `channel`. Concurrent starts for one patient all resolve to the same thread.
    ///
    /// # Errors
    /// [`StartConversationError::ClientNotFound`] when the client is not in this clinic.
    pub async fn start(
        &self,
        company: CompanyId,
        client: ClientId,
        channel: Channel,
    ) -> Result<Started, StartConversationError> {
        if self.repo.client_summary(company, client).await?.is_none() {
            return Err(StartConversationError::ClientNotFound);
        }
        let window = Duration::hours(i64::from(self.repo.window_hours(company).await?));
        for _ in 0..MAX_ROUNDS {
            let now = self.clock.now();
            let active = self.repo.active_for_client(company, client).await?;
            match (reopen_decision(active.as_ref(), now, window), active) {
                (ReopenDecision::Reuse, Some(conversation)) => {
                    return Ok(Started {
                        conversation,
                        created: false,
                    });
                }
                (ReopenDecision::CloseAndOpen, Some(stale)) => {
                    let request = CloseRequest {
                        reason: Some(CLOSE_REASON_WINDOW_EXPIRED.to_owned()),
                        closed_by: None,
                        at: now,
                    };
                    // Already closed by a concurrent start: fine, open below.
                    self.repo.close(company, stale.id, request).await?;
                }
                _ => {}
            }
            match self.repo.open(company, client, channel, now).await? {
                OpenOutcome::Opened(conversation) => {
                    return Ok(Started {
                        conversation,
                        created: true,
                    });
                }
                // A concurrent start opened one first: read it again (it is within the window).
                OpenOutcome::AlreadyActive => {}
            }
        }
        Err(anyhow::anyhow!("conversation start did not settle after {MAX_ROUNDS} rounds").into())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::testing::{clock_at, no_notes, t0, thread};
    use super::*;
    use domain::conversations::ClientSummary;
    use domain::ports::conversations::{CloseOutcome, MockConversationRepository};
    use std::sync::Arc;

    fn repo_with_client(client: ClientId) -> MockConversationRepository {
        let mut repo = MockConversationRepository::new();
        repo.expect_client_summary().returning(move |_, _| {
            Ok(Some(ClientSummary {
                id: client,
                name: None,
                phone: None,
            }))
        });
        repo.expect_window_hours().returning(|_| Ok(24));
        repo
    }

    #[tokio::test]
    async fn reuses_the_active_thread_within_the_window() {
        let client = ClientId::new();
        let existing = thread(client, t0() - Duration::hours(23));
        let mut repo = repo_with_client(client);
        let e = existing.clone();
        repo.expect_active_for_client()
            .times(1)
            .returning(move |_, _| Ok(Some(e.clone())));
        repo.expect_close().never();
        repo.expect_open().never();
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let started = uc
            .start(CompanyId::new(), client, Channel::Whatsapp)
            .await
            .unwrap();
        assert_eq!(
            started,
            Started {
                conversation: existing,
                created: false
            }
        );
    }

    #[tokio::test]
    async fn closes_a_stale_thread_with_window_expired_and_opens_a_new_one() {
        let client = ClientId::new();
        let mut stale = thread(client, t0() - Duration::hours(72));
        stale.last_message_at = Some(t0() - Duration::hours(25));
        let stale_id = stale.id;
        let fresh = thread(client, t0());
        let mut repo = repo_with_client(client);
        let s = stale.clone();
        repo.expect_active_for_client()
            .times(1)
            .returning(move |_, _| Ok(Some(s.clone())));
        repo.expect_close()
            .withf(move |_, id, req| {
                *id == stale_id
                    && req.reason.as_deref() == Some("window_expired")
                    && req.closed_by.is_none()
                    && req.at == t0()
            })
            .times(1)
            .returning(move |_, _, _| Ok(CloseOutcome::Closed(stale.clone())));
        let f = fresh.clone();
        repo.expect_open()
            .withf(move |_, c, ch, at| *c == client && *ch == Channel::Instagram && *at == t0())
            .times(1)
            .returning(move |_, _, _, _| Ok(OpenOutcome::Opened(f.clone())));
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let started = uc
            .start(CompanyId::new(), client, Channel::Instagram)
            .await
            .unwrap();
        assert_eq!(
            started,
            Started {
                conversation: fresh,
                created: true
            }
        );
    }

    #[tokio::test]
    async fn losing_the_open_race_returns_the_winners_thread() {
        let client = ClientId::new();
        let winner = thread(client, t0());
        let mut repo = repo_with_client(client);
        let mut calls = 0;
        let w = winner.clone();
        repo.expect_active_for_client()
            .times(2)
            .returning(move |_, _| {
                calls += 1;
                Ok(if calls == 1 { None } else { Some(w.clone()) })
            });
        repo.expect_open()
            .times(1)
            .returning(|_, _, _, _| Ok(OpenOutcome::AlreadyActive));
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let started = uc
            .start(CompanyId::new(), client, Channel::Whatsapp)
            .await
            .unwrap();
        assert_eq!(
            started,
            Started {
                conversation: winner,
                created: false
            }
        );
    }

    #[tokio::test]
    async fn an_unknown_client_is_not_found_and_nothing_is_written() {
        let mut repo = MockConversationRepository::new();
        repo.expect_client_summary().returning(|_, _| Ok(None));
        repo.expect_open().never();
        let uc = Conversations::new(Arc::new(repo), no_notes(), Arc::new(clock_at(t0())));
        let err = uc
            .start(CompanyId::new(), ClientId::new(), Channel::Whatsapp)
            .await
            .unwrap_err();
        assert!(matches!(err, StartConversationError::ClientNotFound));
    }
}
