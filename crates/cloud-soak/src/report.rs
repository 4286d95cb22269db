//! What a soak found, printed as a report.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::model::Violation;

/// What a backend left behind that nothing refers to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Orphans {
    /// How many things were found.
    pub count: usize,
    /// What was looked for (`open multipart uploads`, `segments no manifest lists`, …).
    pub what: String,
    /// Why leftovers are expected and harmless on this backend, when they are (documented
    /// behaviour of the service); `None` makes any leftover a failure.
    pub expected: Option<String>,
}

/// The figures of one backend's soak.
#[derive(Debug, Clone)]
pub struct Report {
    /// The backend.
    pub backend: String,
    /// The random seed the run used.
    pub seed: u64,
    /// Operations run, by kind.
    pub ops: BTreeMap<&'static str, u64>,
    /// HTTP requests the proxy saw.
    pub requests: u64,
    /// Faults applied, by kind.
    pub faults: BTreeMap<&'static str, u64>,
    /// Errors the client returned, by kind (`not_found` of reads aside).
    pub errors: BTreeMap<String, u64>,
    /// Writes (puts and copies) the client acknowledged.
    pub acknowledged_writes: u64,
    /// Writes that returned an error (the object may hold the old or the new content).
    pub failed_writes: u64,
    /// Keys read back directly at the end.
    pub checked: u64,
    /// Reads during the run that saw something the model forbids.
    pub bad_reads: u64,
    /// Acknowledged writes missing or replaced by older content.
    pub lost: Vec<String>,
    /// Objects or reads holding bytes no write had (partial, mixed, truncated).
    pub corrupt: Vec<String>,
    /// Operations that did not end in time.
    pub hung: Vec<String>,
    /// What the backend left behind.
    pub orphans: Orphans,
    /// Temporary files left next to download destinations.
    pub leftover_files: usize,
    /// Operations not run (copies onto themselves).
    pub skipped: u64,
    /// How long the run took.
    pub wall: Duration,
}

impl Report {
    pub(crate) fn new(backend: &str, seed: u64) -> Self {
        Self {
            backend: backend.to_owned(),
            seed,
            ops: BTreeMap::new(),
            requests: 0,
            faults: BTreeMap::new(),
            errors: BTreeMap::new(),
            acknowledged_writes: 0,
            failed_writes: 0,
            checked: 0,
            bad_reads: 0,
            lost: Vec::new(),
            corrupt: Vec::new(),
            hung: Vec::new(),
            orphans: Orphans::default(),
            leftover_files: 0,
            skipped: 0,
            wall: Duration::ZERO,
        }
    }

    pub(crate) fn count_write(&mut self, acknowledged: bool) {
        if acknowledged {
            self.acknowledged_writes += 1;
        } else {
            self.failed_writes += 1;
        }
    }

    pub(crate) fn violation(&mut self, violation: &Violation) {
        match violation {
            Violation::Lost { .. } => self.lost.push(violation.to_string()),
            Violation::Corrupt { .. } => self.corrupt.push(violation.to_string()),
        }
    }

    /// Operations run.
    pub fn operations(&self) -> u64 {
        self.ops.values().sum()
    }

    /// Faults applied.
    pub fn faults_injected(&self) -> u64 {
        self.faults.values().sum()
    }

    /// Whether the promises held: nothing lost, nothing corrupt, nothing hung, no temporary file
    /// and no unexpected orphan left.
    pub fn passed(&self) -> bool {
        self.lost.is_empty()
            && self.corrupt.is_empty()
            && self.hung.is_empty()
            && self.leftover_files == 0
            && (self.orphans.count == 0 || self.orphans.expected.is_some())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |map: &BTreeMap<&'static str, u64>| {
            map.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
        };
        writeln!(
            f,
            "{}: {}, seed {}, {:.1} s",
            self.backend,
            if self.passed() { "PASS" } else { "FAIL" },
            self.seed,
            self.wall.as_secs_f64()
        )?;
        writeln!(f, "  operations          {} ({})", self.operations(), list(&self.ops))?;
        writeln!(f, "  skipped             {} (copies onto themselves)", self.skipped)?;
        writeln!(f, "  requests            {}", self.requests)?;
        writeln!(f, "  faults injected     {} ({})", self.faults_injected(), list(&self.faults))?;
        let errors = self.errors.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
        writeln!(f, "  errors returned     {} ({errors})", self.errors.values().sum::<u64>())?;
        writeln!(f, "  acknowledged writes {} (failed: {})", self.acknowledged_writes, self.failed_writes)?;
        writeln!(f, "  keys read back      {}", self.checked)?;
        writeln!(f, "  lost                {}", self.lost.len())?;
        writeln!(f, "  corrupt             {} (bad reads during the run: {})", self.corrupt.len(), self.bad_reads)?;
        writeln!(f, "  hung                {}", self.hung.len())?;
        write!(f, "  orphaned            {} {}", self.orphans.count, self.orphans.what)?;
        if let (true, Some(why)) = (self.orphans.count > 0, &self.orphans.expected) {
            write!(f, " (expected: {why})")?;
        }
        writeln!(f)?;
        writeln!(f, "  temporary files     {}", self.leftover_files)?;
        for line in self.lost.iter().chain(&self.corrupt).chain(&self.hung).take(20) {
            writeln!(f, "    {line}")?;
        }
        Ok(())
    }
}
