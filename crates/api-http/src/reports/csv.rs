//! The overview's tables as CSV (RFC 4180), one table per request (`?table=`).
//!
//! Text cells (names of members and services, which clinic members type) are neutralised
//! against spreadsheet formula injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return gets a leading `'` (OWASP's advice), so opening the export never runs a
//! formula. Numbers are written as they are.

use domain::reports::{ConversationTimes, NoShowCounts, Overview};

/// The tables `?table=` accepts, in the order `docs/reports.md` lists them.
pub const TABLES: [&str; 14] = [
    "appointments_by_status",
    "no_show_overall",
    "no_show_by_professional",
    "no_show_by_service",
    "no_show_by_risk",
    "no_show_by_confirmation",
    "conversation_times",
    "first_response_by_member",
    "first_response_by_channel",
    "resolution_by_member",
    "resolution_by_channel",
    "messages_by_channel",
    "payments_by_currency",
    "payments_by_method",
];

/// A cell.
enum Cell {
    /// Free text (escaped and neutralised).
    Text(String),
    /// A number, or empty for none.
    Num(String),
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn num(n: impl ToString) -> Cell {
    Cell::Num(n.to_string())
}

fn opt(n: Option<impl ToString>) -> Cell {
    Cell::Num(n.map(|n| n.to_string()).unwrap_or_default())
}

fn rate(c: &NoShowCounts) -> [Cell; 3] {
    [
        num(c.no_show),
        num(c.completed),
        Cell::Num(c.rate().map(|r| format!("{r:.4}")).unwrap_or_default()),
    ]
}

/// One cell as CSV.
fn render(cell: &Cell, out: &mut String) {
    match cell {
        Cell::Num(n) => out.push_str(n),
        Cell::Text(t) => {
            let guarded = if t.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{t}")
            } else {
                t.clone()
            };
            if guarded.contains([',', '"', '\n', '\r']) {
                out.push('"');
                out.push_str(&guarded.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(&guarded);
            }
        }
    }
}

fn write(header: &[&str], rows: Vec<Vec<Cell>>) -> String {
    let mut out = header.join(",");
    out.push_str("\r\n");
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            render(cell, &mut out);
        }
        out.push_str("\r\n");
    }
    out
}

fn by_member(t: &ConversationTimes) -> Vec<Vec<Cell>> {
    t.by_member
        .iter()
        .map(|m| {
            vec![
                opt(m.user_id.map(|u| u.0)),
                text(m.name.clone().unwrap_or_default()),
                num(m.durations.count),
                opt(m.durations.p50_seconds),
                opt(m.durations.p90_seconds),
            ]
        })
        .collect()
}

fn by_channel(t: &ConversationTimes) -> Vec<Vec<Cell>> {
    t.by_channel
        .iter()
        .map(|c| {
            vec![
                text(c.channel.clone()),
                num(c.durations.count),
                opt(c.durations.p50_seconds),
                opt(c.durations.p90_seconds),
            ]
        })
        .collect()
}

/// The CSV of table `name` of `o`, or `None` for an unknown table.
#[must_use]
pub fn table(o: &Overview, name: &str) -> Option<String> {
    let n = &o.no_show;
    let member_header = ["user_id", "name", "count", "p50_seconds", "p90_seconds"];
    let channel_header = ["channel", "count", "p50_seconds", "p90_seconds"];
    Some(match name {
        "appointments_by_status" => write(
            &["status", "count"],
            o.appointments_by_status
                .iter()
                .map(|s| vec![text(s.status.clone()), num(s.count)])
                .collect(),
        ),
        "no_show_overall" => write(
            &["no_show", "completed", "rate"],
            vec![rate(&n.overall).into()],
        ),
        "no_show_by_professional" => write(
            &["user_id", "name", "no_show", "completed", "rate"],
            n.by_professional
                .iter()
                .map(|r| {
                    let mut row = vec![
                        opt(r.user_id.map(|u| u.0)),
                        text(r.name.clone().unwrap_or_default()),
                    ];
                    row.extend(rate(&r.counts));
                    row
                })
                .collect(),
        ),
        "no_show_by_service" => write(
            &["service_id", "name", "no_show", "completed", "rate"],
            n.by_service
                .iter()
                .map(|r| {
                    let mut row = vec![num(r.service_id.0), text(r.name.clone())];
                    row.extend(rate(&r.counts));
                    row
                })
                .collect(),
        ),
        "no_show_by_risk" => write(
            &["risk", "no_show", "completed", "rate"],
            n.by_risk
                .iter()
                .map(|r| {
                    let mut row = vec![text(r.risk.clone())];
                    row.extend(rate(&r.counts));
                    row
                })
                .collect(),
        ),
        "no_show_by_confirmation" => write(
            &["confirmation", "no_show", "completed", "rate"],
            n.by_confirmation
                .iter()
                .map(|r| {
                    let mut row = vec![text(r.confirmation.clone())];
                    row.extend(rate(&r.counts));
                    row
                })
                .collect(),
        ),
        "conversation_times" => write(
            &["kind", "count", "without", "p50_seconds", "p90_seconds"],
            [
                ("first_response", &o.first_response),
                ("resolution", &o.resolution),
            ]
            .into_iter()
            .map(|(kind, t)| {
                vec![
                    text(kind),
                    num(t.overall.count),
                    num(t.without),
                    opt(t.overall.p50_seconds),
                    opt(t.overall.p90_seconds),
                ]
            })
            .collect(),
        ),
        "first_response_by_member" => write(&member_header, by_member(&o.first_response)),
        "first_response_by_channel" => write(&channel_header, by_channel(&o.first_response)),
        "resolution_by_member" => write(&member_header, by_member(&o.resolution)),
        "resolution_by_channel" => write(&channel_header, by_channel(&o.resolution)),
        "messages_by_channel" => write(
            &["channel", "inbound", "outbound"],
            o.messages_by_channel
                .iter()
                .map(|m| vec![text(m.channel.clone()), num(m.inbound), num(m.outbound)])
                .collect(),
        ),
        "payments_by_currency" => write(
            &["currency", "count", "amount_cents"],
            o.payments
                .by_currency
                .iter()
                .map(|r| vec![text(r.currency.clone()), num(r.count), num(r.amount_cents)])
                .collect(),
        ),
        "payments_by_method" => write(
            &["method", "currency", "count", "amount_cents"],
            o.payments
                .by_method
                .iter()
                .map(|r| {
                    vec![
                        text(r.method.clone()),
                        text(r.currency.clone()),
                        num(r.count),
                        num(r.amount_cents),
                    ]
                })
                .collect(),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(t: &str) -> String {
        let mut out = String::new();
        render(&text(t), &mut out);
        out
    }

    #[test]
    fn text_is_quoted_when_needed_and_never_starts_a_formula() {
        assert_eq!(cell("Dra. Ana"), "Dra. Ana");
        assert_eq!(cell("Silva, Ana"), "\"Silva, Ana\"");
        assert_eq!(cell("Ana \"Aninha\""), "\"Ana \"\"Aninha\"\"\"");
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("+55 11"), "'+55 11");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("\tx"), "'\tx");
        assert_eq!(cell("a\nb"), "\"a\nb\"");
    }
}
