//! `GET /api/summary/home` and `GET /api/inbox/summary`.

use super::Reads;
use domain::CompanyId;
use domain::conversations::SortCursor;
use domain::page::Page;
use domain::reads::{InboxFilter, InboxItem};

/// A shortcut of the Home screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickAction {
    /// Stable id.
    pub id: &'static str,
    /// Label in the clinic's locale.
    pub label: &'static str,
    /// Frontend route.
    pub href: &'static str,
}

/// The Home screen's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeSummary {
    /// Non-canceled appointments today (clinic's timezone).
    pub appointments_today_count: u64,
    /// Active conversations.
    pub open_conversations_count: u64,
    /// Unread inbound messages of active conversations.
    pub unread_inbound_count: u64,
    /// Payments received today (clinic's timezone), per currency.
    pub received_today: Vec<domain::payments::MoneyTotal>,
    /// Shortcuts.
    pub quick_actions: Vec<QuickAction>,
}

/// A page of the inbox, most recent message first.
pub type InboxPage = Page<InboxItem, SortCursor>;

fn quick_actions(locale: &str) -> Vec<QuickAction> {
    let labels: [&'static str; 3] = match locale.split('-').next().unwrap_or("pt") {
        "en" => ["New appointment", "New client", "Open inbox"],
        "es" => ["Nueva cita", "Nuevo cliente", "Abrir atención"],
        _ => ["Novo agendamento", "Novo cliente", "Abrir atendimento"],
    };
    vec![
        QuickAction {
            id: "new_appointment",
            label: labels[0],
            href: "/agenda/novo",
        },
        QuickAction {
            id: "new_client",
            label: labels[1],
            href: "/clientes/novo",
        },
        QuickAction {
            id: "open_inbox",
            label: labels[2],
            href: "/atendimento",
        },
    ]
}

impl Reads {
    /// The Home counts for "today" in the clinic's timezone, in one round trip.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn home(&self, company: CompanyId) -> anyhow::Result<HomeSummary> {
        let counts = self.models.home(company, self.clock.now()).await?;
        Ok(HomeSummary {
            appointments_today_count: counts.appointments_today,
            open_conversations_count: counts.open_conversations,
            unread_inbound_count: counts.unread_inbound,
            received_today: counts.received_today,
            quick_actions: quick_actions(&counts.locale),
        })
    }

    /// One page of active conversations, most recent message first, in one query.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn inbox(
        &self,
        company: CompanyId,
        filter: InboxFilter,
        after: Option<SortCursor>,
        limit: u32,
    ) -> anyhow::Result<InboxPage> {
        let rows = self.models.inbox(company, filter, after, limit).await?;
        Ok(Page::from_rows(rows, limit, |r| r.cursor))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::{TimeZone, Utc};
    use domain::ports::clock::MockClock;
    use domain::ports::reads::{MockReadModels, MockSettingsRepository};
    use domain::reads::HomeCounts;
    use std::sync::Arc;

    #[tokio::test]
    async fn home_passes_now_and_localises_the_quick_actions() {
        let now = Utc.with_ymd_and_hms(2026, 3, 11, 2, 30, 0).unwrap();
        let mut clock = MockClock::new();
        clock.expect_now().return_const(now);
        let mut models = MockReadModels::new();
        models
            .expect_home()
            .withf(move |_, n| *n == now)
            .returning(|_, _| {
                Ok(HomeCounts {
                    appointments_today: 3,
                    open_conversations: 2,
                    unread_inbound: 9,
                    locale: "en-US".into(),
                    received_today: vec![domain::payments::MoneyTotal {
                        currency: "BRL".into(),
                        amount_cents: 15_000,
                    }],
                })
            });
        let reads = Reads::new(
            Arc::new(models),
            Arc::new(MockSettingsRepository::new()),
            Arc::new(clock),
        );
        let home = reads.home(CompanyId::new()).await.unwrap();
        assert_eq!(
            (
                home.appointments_today_count,
                home.open_conversations_count,
                home.unread_inbound_count
            ),
            (3, 2, 9)
        );
        assert_eq!(home.received_today[0].amount_cents, 15_000);
        assert_eq!(home.quick_actions[0].label, "New appointment");
        assert_eq!(quick_actions("pt-BR")[0].label, "Novo agendamento");
    }
}
