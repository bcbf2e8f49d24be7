//! A tracing layer that records spans and events so tests can check the request log contract.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone, Default)]
pub struct SpanRecord {
    pub name: String,
    /// Every field the span declared, recorded or not.
    pub declared: Vec<String>,
    pub values: HashMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct EventRecord {
    pub level: Level,
    pub fields: HashMap<String, String>,
    pub span: Option<u64>,
}

impl EventRecord {
    pub fn message(&self) -> &str {
        self.fields.get("message").map_or("", String::as_str)
    }
}

#[derive(Clone, Default)]
pub struct Captured {
    spans: Arc<Mutex<HashMap<u64, SpanRecord>>>,
    events: Arc<Mutex<Vec<EventRecord>>>,
}

impl Captured {
    pub fn events(&self) -> Vec<EventRecord> {
        self.events.lock().unwrap().clone()
    }

    pub fn span(&self, id: u64) -> SpanRecord {
        self.spans.lock().unwrap()[&id].clone()
    }

    /// Installs the capture as the thread's default subscriber until the guard drops.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        let subscriber = tracing_subscriber::registry().with(self.clone());
        tracing::subscriber::set_default(subscriber)
    }
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Captured {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut record = SpanRecord {
            name: attrs.metadata().name().to_owned(),
            declared: attrs
                .metadata()
                .fields()
                .iter()
                .map(|f| f.name().to_owned())
                .collect(),
            values: HashMap::new(),
        };
        attrs.record(&mut Fields(&mut record.values));
        self.spans.lock().unwrap().insert(id.into_u64(), record);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some(record) = spans.get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut record.values));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        // The root span of the request, whichever span the event sits in.
        let span = ctx.event_span(event).map(|s| {
            s.scope()
                .from_root()
                .next()
                .map_or(s.id(), |root| root.id())
                .into_u64()
        });
        self.events.lock().unwrap().push(EventRecord {
            level: *event.metadata().level(),
            fields,
            span,
        });
    }
}
