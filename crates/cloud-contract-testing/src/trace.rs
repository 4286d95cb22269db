//! Every tracing line of the code under test, at every level down to TRACE, in the test's own
//! output, where `cargo xtask test` searches it for leaked secrets (the secret canary).
//!
//! [`to_test_output`] installs, once per process, a subscriber that writes each span, span
//! record and event as one line on stderr. It acts only when `CLOUD_TEST_TRACE` is set (as
//! `cargo xtask test` does): a plain `cargo nextest run` keeps its output as it was. This
//! workspace's crates and the libraries' credential handling (request signing, identity
//! resolution) are written at TRACE; other libraries at DEBUG, because the AWS SDK's TRACE lines
//! dump every answer whole (46 MB for the 19 tests of `cloud-aws`'s `s3` binary).
//! `CLOUD_TEST_TRACE=all` writes every library at TRACE. The test
//! helpers that hand out a local server's settings call it, so every test that talks to a server
//! has its lines captured. nextest runs each test in a process of its own and keeps that
//! process's output, so the lines land in the report of the test that made them.
//!
//! [`Collector`] keeps lines in memory instead, for a test that checks its own lines.

use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};

use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// The variable that turns the capture on.
pub const VARIABLE: &str = "CLOUD_TEST_TRACE";

/// Sends every tracing line of this process to stderr when `CLOUD_TEST_TRACE` is set; does
/// nothing otherwise, or when the process already has a global subscriber.
pub fn to_test_output() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        if std::env::var_os(VARIABLE).is_some_and(|v| !v.is_empty()) {
            // A test that installed its own global subscriber keeps it.
            let all = std::env::var_os(VARIABLE).is_some_and(|v| v == "all");
            let _ = tracing::subscriber::set_global_default(Lines::new(Sink::Stderr { all }));
        }
    });
}

/// A subscriber that keeps every line in memory (cloned handles share the lines).
#[derive(Debug, Clone, Default)]
pub struct Collector {
    lines: Arc<Mutex<String>>,
}

impl Collector {
    /// A new, empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// The subscriber to install (`tracing::subscriber::set_default`).
    pub fn subscriber(&self) -> impl Subscriber + Send + Sync + 'static {
        Lines::new(Sink::Memory(self.lines.clone()))
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        self.lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

#[derive(Debug, Clone)]
enum Sink {
    /// `all`: every target at TRACE (otherwise see [`traced_fully`]).
    Stderr {
        all: bool,
    },
    Memory(Arc<Mutex<String>>),
}

/// Targets written at TRACE even when other libraries are written at DEBUG only: this
/// workspace's crates, and the libraries' code that handles credentials.
fn traced_fully(target: &str) -> bool {
    const CREDENTIAL_HANDLING: [&str; 5] = [
        "aws_sigv4",
        "aws_config",
        "aws_credential_types",
        "aws_smithy_runtime::client::orchestrator::auth",
        "aws_smithy_runtime::client::identity",
    ];
    target.starts_with("cloud") || CREDENTIAL_HANDLING.iter().any(|t| target.starts_with(t))
}

/// Writes each span, record and event as a line.
#[derive(Debug)]
struct Lines {
    sink: Sink,
    next_id: AtomicU64,
}

impl Lines {
    fn new(sink: Sink) -> Self {
        Self { sink, next_id: AtomicU64::new(1) }
    }

    fn write(&self, line: &str) {
        match &self.sink {
            Sink::Stderr { .. } => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
            Sink::Memory(lines) => {
                let mut lines = lines.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                lines.push_str(line);
                lines.push('\n');
            }
        }
    }
}

/// Formats fields as ` name=value`.
struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

impl Subscriber for Lines {
    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        match self.sink {
            Sink::Stderr { all: false } => *meta.level() <= tracing::Level::DEBUG || traced_fully(meta.target()),
            _ => true,
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut line = format!("span#{id} {} {}", span.metadata().target(), span.metadata().name());
        span.record(&mut Fields(&mut line));
        self.write(&line);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut line = format!("span#{} record", span.into_u64());
        values.record(&mut Fields(&mut line));
        self.write(&line);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut line = format!("{} {}", meta.level(), meta.target());
        event.record(&mut Fields(&mut line));
        self.write(&line);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collector_keeps_spans_events_and_fields_at_trace() {
        let collector = Collector::new();
        tracing::subscriber::with_default(collector.subscriber(), || {
            let span = tracing::trace_span!("call", op = "get");
            let _entered = span.enter();
            tracing::trace!(status = 200, key = "a/b", "answered");
        });
        let text = collector.text();
        assert!(text.contains("span#1 cloud_contract_testing::trace::tests call op=get"), "{text}");
        assert!(
            text.contains("TRACE cloud_contract_testing::trace::tests message=answered status=200 key=a/b"),
            "{text}"
        );
    }

    /// Run by `cargo xtask test` before the suite, with `CLOUD_TEST_CANARY_PLANTED` set: it prints
    /// the planted canary on stdout, in a TRACE line and in a panic message, and the run fails
    /// unless the canary search finds all three in nextest's report.
    #[test]
    #[ignore = "run by `cargo xtask test` to prove the canary search"]
    fn a_planted_canary_reaches_the_output() {
        let planted = std::env::var("CLOUD_TEST_CANARY_PLANTED").expect("run by `cargo xtask test`");
        to_test_output();
        assert!(tracing::enabled!(tracing::Level::TRACE), "`cargo xtask test` sets {VARIABLE}");
        println!("planted on stdout: {planted}");
        tracing::trace!(secret = %planted, "planted in a TRACE line");
        let caught = std::panic::catch_unwind(|| panic!("planted in a panic message: {planted}"));
        assert!(caught.is_err());
    }
}
