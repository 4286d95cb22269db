//! The soak itself: seeded operations through the proxy, faults at random, the model checked at
//! every read, then every key read back directly.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use cloud_core::storage::{
    CopyOptions, DeleteOptions, GetOptions, GetRange, HeadOptions, ListOptions, PutOptions, PutPayload,
};
use cloud_core::{ErrorKind, StorageClient, StorageClientExt};
use cloud_faults::{Fault, FaultProxy, Reply, Request, Rule};
use futures::{StreamExt, TryStreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::model::{Content, Model, Seen, Version, Violation};
use crate::report::{Orphans, Report};

/// How a soak runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Operations to run.
    pub ops: usize,
    /// The random seed of every choice (operations, keys, sizes, faults).
    pub seed: u64,
    /// The share of operations that get a fault (0.0 ..= 1.0).
    pub fault_rate: f64,
    /// How many distinct keys the operations use (few keys: many overwrites).
    pub keys: usize,
    /// The most one operation may take before it counts as hung.
    pub op_limit: Duration,
    /// Print every operation, its fault and its outcome to stderr (to follow a failing seed).
    pub trace: bool,
}

impl Settings {
    /// `ops` operations with `seed`, a fault in 15 % of them, 12 keys, 120 s per operation.
    pub fn new(ops: usize, seed: u64) -> Self {
        Self { ops, seed, fault_rate: 0.15, keys: 12, op_limit: Duration::from_secs(120), trace: false }
    }
}

/// What a backend left behind that nothing refers to.
#[async_trait]
pub trait Leftovers: Send + Sync {
    /// Counts what the run left under `prefix` in `bucket` (the run's objects are all still
    /// there), then removes the run's objects and what it counted. `unanswered` are the
    /// requests the server acted on whose answer a fault kept from the client.
    async fn count_and_clean(
        &self,
        bucket: &str,
        prefix: &str,
        keys: &[String],
        unanswered: &[Request],
    ) -> Result<Orphans, String>;
}

/// One backend to soak: a client through the proxy, a client straight to the server, and how
/// to find what it leaves behind.
pub struct Target {
    /// A short name (`s3s-fs`, `azurite`, …).
    pub name: String,
    /// The client under test, talking to [`proxy`](Self::proxy).
    pub client: Arc<dyn StorageClient>,
    /// A client of the same server, not through the proxy: it reads everything back.
    pub direct: Arc<dyn StorageClient>,
    /// The fault proxy in front of the server.
    pub proxy: FaultProxy,
    /// Other proxies the client needs (e.g. Keystone's, which points the catalog at `proxy`).
    pub helpers: Vec<FaultProxy>,
    /// A bucket that exists.
    pub bucket: String,
    /// Sizes of objects that go up in one request.
    pub small: Range<usize>,
    /// Sizes of objects that go up in parts (multipart, blocks, segments, resumable chunks).
    pub large: Range<usize>,
    /// Finds and removes what the run left behind.
    pub leftovers: Box<dyn Leftovers>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("client", &self.client.to_string())
            .field("proxy", &self.proxy.url())
            .field("bucket", &self.bucket)
            .field("small", &self.small)
            .field("large", &self.large)
            .finish_non_exhaustive()
    }
}

/// The operations a soak mixes, with their weights.
const OPS: &[(&str, u32)] = &[
    ("put", 22),
    ("put_stream", 8),
    ("put_unknown_length", 6),
    ("put_large", 4),
    ("get", 14),
    ("get_range", 10),
    ("head", 10),
    ("list", 6),
    ("delete", 8),
    ("copy", 6),
    ("download_file", 6),
];

/// Runs the soak on `target` and reports what it found.
///
/// # Errors
/// When the run cannot start or clean up (a scratch directory, the server unreachable for the
/// read-back).
pub async fn run(target: &Target, settings: &Settings) -> Result<Report, String> {
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(settings.seed);
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let prefix = format!("soak-{}-{}/", settings.seed, &run_id[..8]);
    let keys: Vec<String> = (0..settings.keys).map(|i| format!("{prefix}k{i:02}")).collect();
    let downloads = tempfile::tempdir().map_err(|e| format!("scratch directory: {e}"))?;
    let mut model = Model::default();
    let mut report = Report::new(&target.name, settings.seed);
    let total: u32 = OPS.iter().map(|(_, w)| w).sum();
    let mut unanswered = Vec::new();

    for index in 0..settings.ops {
        let mut pick = rng.random_range(0..total);
        let op = OPS
            .iter()
            .find(|(_, w)| {
                pick < *w || {
                    pick -= w;
                    false
                }
            })
            .map_or("get", |(name, _)| name);
        let key = keys[rng.random_range(0..keys.len())].clone();
        let many = op == "put_large" || op == "download_file";
        let fault = (rng.random::<f64>() < settings.fault_rate).then(|| choose_fault(&mut rng, many));
        if let Some((nth, fault, _)) = &fault {
            let seen = Arc::new(AtomicUsize::new(0));
            let nth = *nth;
            target.proxy.add(Rule::new(move |_| seen.fetch_add(1, Ordering::SeqCst) == nth, fault.clone()).times(1));
        }
        let step = Step { target, keys: &keys, key: &key, prefix: &prefix, index: index as u64, seed: settings.seed };
        let outcome =
            tokio::time::timeout(settings.op_limit, step.execute(op, &mut rng, &model, downloads.path())).await;
        target.proxy.clear();
        // The server may still be acting on a request whose answer the client gave up on: let it
        // finish before the model judges the next operation.
        if !target.proxy.settle(Duration::from_secs(60)).await {
            report.hung.push(format!("op {index} ({op} {key}): the server did not answer the proxy within 60 s"));
        }
        if fault.is_some() {
            target.proxy.drop_connections();
        }
        for request in target.proxy.take_requests() {
            report.requests += 1;
            if settings.trace {
                eprintln!("  {} {} {}", request.method, request.target, request.fault.unwrap_or(""));
            }
            if let (Some(name), Some((_, _, label))) = (request.fault.filter(|f| *f != "pass"), &fault) {
                *report.faults.entry(label).or_default() += 1;
                if matches!(name, "stall" | "lose_answer" | "cut_body" | "stall_body" | "close_delimited") {
                    unanswered.push(request);
                }
            }
        }
        *report.ops.entry(op).or_default() += 1;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(_) => {
                report.hung.push(format!("op {index} ({op} {key}) took more than {:?}", settings.op_limit));
                Outcome::Write { key: key.clone(), change: Change::Unknown, result: Err(ErrorKind::Timeout) }
            }
        };
        if settings.trace {
            eprintln!("{index} {op} {key}: {}", outcome.describe());
        }
        apply(&mut model, &mut report, outcome);
    }

    // The read-back: every key, straight from the server.
    for key in &keys {
        let seen = match target.direct.get_object(&target.bucket, key, GetOptions::default()).await {
            Ok(result) => Seen::Whole(result.bytes().await.map_err(|e| format!("read-back of {key}: {e}"))?),
            Err(e) if e.kind() == ErrorKind::NotFound => Seen::Absent,
            Err(e) => return Err(format!("read-back of {key}: {e}")),
        };
        report.checked += 1;
        if let Err(violation) = model.observe(key, &seen) {
            report.violation(&violation);
        }
    }
    let listed: Vec<_> = target
        .direct
        .list_objects(&target.bucket, ListOptions::default().with_prefix(&prefix))
        .try_collect()
        .await
        .map_err(|e| format!("listing {prefix}: {e}"))?;
    for meta in listed.iter().filter(|m| !keys.contains(&m.key)) {
        report
            .violation(&Violation::Corrupt { key: meta.key.clone(), what: "an object no operation wrote".to_owned() });
    }
    report.leftover_files = std::fs::read_dir(downloads.path()).map_err(|e| format!("{e}"))?.count();
    report.orphans = target.leftovers.count_and_clean(&target.bucket, &prefix, &keys, &unanswered).await?;
    report.wall = started.elapsed();
    Ok(report)
}

/// The `nth` request of the operation gets `fault` (named `label` in the report).
fn choose_fault(rng: &mut StdRng, many_requests: bool) -> (usize, Fault, &'static str) {
    let nth = rng.random_range(0..if many_requests { 6 } else { 2 });
    let cut = rng.random_range(0..4096);
    let (fault, label) = match rng.random_range(0..12) {
        0 => (Fault::Refuse, "refuse"),
        1 => (Fault::BlackHole, "black_hole"),
        2 => (Fault::Stall, "stall"),
        3 | 4 => (Fault::LoseAnswer, "lose_answer"),
        5 => (Fault::CutBody(cut), "cut_body"),
        6 => (Fault::StallBody(cut), "stall_body"),
        7 => (Fault::CloseDelimited(cut), "close_delimited"),
        8 => (Fault::Respond(Reply::new(500).body("injected")), "status_500"),
        9 => (Fault::Respond(Reply::new(503).header("retry-after", "1").body("injected")), "status_503"),
        10 => (Fault::Respond(Reply::new(429).header("retry-after", "1").body("injected")), "status_429"),
        _ => (Fault::Drip { bytes: 16 * 1024, every: Duration::from_millis(1) }, "drip"),
    };
    (nth, fault, label)
}

/// What an operation did to the store, as far as the client knows.
enum Change {
    /// `content` was written to the key.
    Wrote(Content),
    /// The key was deleted.
    Deleted,
    /// `src` was copied to the key.
    Copied(String),
    /// The operation was cut short: the key may hold anything it held or was being given.
    Unknown,
}

/// The result of one operation.
enum Outcome {
    /// A write (put, delete, copy): acknowledged or failed with this kind.
    Write { key: String, change: Change, result: Result<(), ErrorKind> },
    /// Not run (a copy onto itself).
    Skipped,
    /// Reads that succeeded (or said `NotFound`), and any violation seen directly.
    Read { seen: Vec<(String, Seen)>, error: Option<ErrorKind>, violation: Option<Violation> },
}

impl Outcome {
    fn describe(&self) -> String {
        match self {
            Self::Write { key: _, change, result } => {
                let what = match change {
                    Change::Wrote(content) => format!("wrote {} bytes", content.len()),
                    Change::Deleted => "deleted".to_owned(),
                    Change::Copied(src) => format!("copied from {src}"),
                    Change::Unknown => "cut short".to_owned(),
                };
                format!("{what}: {result:?}")
            }
            Self::Skipped => "skipped".to_owned(),
            Self::Read { seen, error, violation } => {
                let seen: Vec<String> = seen
                    .iter()
                    .map(|(k, s)| match s {
                        Seen::Absent => format!("{k} absent"),
                        Seen::Whole(b) => format!("{k} {} bytes", b.len()),
                        Seen::Range { size, range, .. } => format!("{k} {range:?} of {size}"),
                        Seen::Size(n) => format!("{k} size {n}"),
                    })
                    .collect();
                format!("read {seen:?} error {error:?} violation {violation:?}")
            }
        }
    }
}

fn apply(model: &mut Model, report: &mut Report, outcome: Outcome) {
    match outcome {
        Outcome::Write { key, change, result } => {
            let acknowledged = result.is_ok();
            if let Err(kind) = result {
                *report.errors.entry(kind.to_string()).or_default() += 1;
            }
            match change {
                Change::Wrote(content) => {
                    report.count_write(acknowledged);
                    model.wrote(&key, content, acknowledged);
                }
                Change::Deleted => model.deleted(&key, acknowledged),
                Change::Copied(src) => {
                    report.count_write(acknowledged);
                    model.copied(&src, &key, acknowledged);
                }
                Change::Unknown => {}
            }
        }
        Outcome::Skipped => report.skipped += 1,
        Outcome::Read { seen, error, violation } => {
            if let Some(kind) = error {
                *report.errors.entry(kind.to_string()).or_default() += 1;
            }
            if let Some(violation) = violation {
                report.bad_reads += 1;
                report.violation(&violation);
            }
            for (key, seen) in seen {
                if let Err(violation) = model.observe(&key, &seen) {
                    report.bad_reads += 1;
                    report.violation(&violation);
                }
            }
        }
    }
}

/// One operation's context.
struct Step<'a> {
    target: &'a Target,
    keys: &'a [String],
    key: &'a str,
    prefix: &'a str,
    index: u64,
    seed: u64,
}

impl Step<'_> {
    /// A content for this operation, `len` bytes long.
    fn content(&self, len: usize) -> Content {
        Content::new(self.seed.rotate_left(32) ^ (self.index + 1), len)
    }

    async fn execute(&self, op: &str, rng: &mut StdRng, model: &Model, downloads: &Path) -> Outcome {
        let (client, bucket, key) = (&self.target.client, self.target.bucket.as_str(), self.key);
        match op {
            "put" | "put_stream" | "put_unknown_length" | "put_large" => {
                let sizes = if op == "put_large" { self.target.large.clone() } else { self.target.small.clone() };
                let content = self.content(rng.random_range(sizes));
                let bytes = content.bytes();
                let payload = match op {
                    "put_stream" => PutPayload::from_stream(chunks(&bytes), Some(content.len() as u64)),
                    "put_unknown_length" => PutPayload::from_stream(chunks(&bytes), None),
                    _ => PutPayload::from_bytes(bytes),
                };
                let result = client.put_object(bucket, key, payload, PutOptions::default()).await;
                write(key, Change::Wrote(content), result.map(drop))
            }
            "delete" => {
                let result = client.delete_object(bucket, key, DeleteOptions::default()).await;
                // NotFound: the key is absent now (perhaps an earlier attempt of this very delete).
                let result = match result {
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
                    other => other,
                };
                write(key, Change::Deleted, result)
            }
            "copy" => {
                let src = self.keys[rng.random_range(0..self.keys.len())].clone();
                if src == key {
                    return Outcome::Skipped;
                }
                let result = client.copy_object(bucket, &src, bucket, key, CopyOptions::default()).await;
                match result {
                    Err(e) if e.kind() == ErrorKind::NotFound => {
                        // The source is missing: nothing was written.
                        Outcome::Read { seen: vec![(src, Seen::Absent)], error: None, violation: None }
                    }
                    other => write(key, Change::Copied(src), other),
                }
            }
            "get" => {
                read(key, async {
                    let result = client.get_object(bucket, key, GetOptions::default()).await?;
                    Ok(Seen::Whole(result.bytes().await?))
                })
                .await
            }
            "get_range" => {
                let size = model
                    .possible(key)
                    .iter()
                    .filter_map(|v| match v {
                        Version::Data(c) => Some(c.len()),
                        Version::Absent => None,
                    })
                    .min()
                    .unwrap_or(1024)
                    .max(2);
                let start = rng.random_range(0..size - 1) as u64;
                let end = rng.random_range(start + 1..=size as u64);
                let asked = start..end;
                let options = GetOptions::default().with_range(GetRange::Bounded(asked.clone()));
                let outcome = read(key, async {
                    let result = client.get_object(bucket, key, options).await?;
                    let (size, range) = (result.meta.size, result.range.clone());
                    Ok(Seen::Range { size, range, bytes: result.bytes().await? })
                })
                .await;
                match outcome {
                    Outcome::Read { seen, error, .. }
                        if seen.iter().any(|(_, s)| matches!(s, Seen::Range { range, .. } if *range != asked)) =>
                    {
                        let violation = Violation::Corrupt {
                            key: key.to_owned(),
                            what: format!("asked for {asked:?}, served another range"),
                        };
                        Outcome::Read { seen: Vec::new(), error, violation: Some(violation) }
                    }
                    // A range past the end of the object is refused: nothing to check.
                    Outcome::Read { error: Some(ErrorKind::InvalidInput), .. } => {
                        Outcome::Read { seen: Vec::new(), error: None, violation: None }
                    }
                    other => other,
                }
            }
            "head" => {
                read(key, async {
                    let meta = client.head_object(bucket, key, HeadOptions::default()).await?;
                    Ok(Seen::Size(meta.size))
                })
                .await
            }
            "list" => {
                let listed: Result<Vec<_>, _> =
                    client.list_objects(bucket, ListOptions::default().with_prefix(self.prefix)).try_collect().await;
                match listed {
                    Err(e) => Outcome::Read { seen: Vec::new(), error: Some(e.kind()), violation: None },
                    Ok(listed) => {
                        let foreign = listed.iter().find(|m| !self.keys.contains(&m.key));
                        let violation = foreign.map(|m| Violation::Corrupt {
                            key: m.key.clone(),
                            what: "listed, but no operation wrote it".to_owned(),
                        });
                        let seen = self
                            .keys
                            .iter()
                            .map(|k| {
                                let found = listed.iter().find(|m| &m.key == k);
                                (k.clone(), found.map_or(Seen::Absent, |m| Seen::Size(m.size)))
                            })
                            .collect();
                        Outcome::Read { seen, error: None, violation }
                    }
                }
            }
            _ => {
                let path = downloads.join(format!("download-{}", self.index));
                match client.download_file(bucket, key, &path).await {
                    Ok(_) => {
                        let bytes = std::fs::read(&path).map(Bytes::from);
                        let _ = std::fs::remove_file(&path);
                        match bytes {
                            Ok(bytes) => Outcome::Read {
                                seen: vec![(key.to_owned(), Seen::Whole(bytes))],
                                error: None,
                                violation: None,
                            },
                            Err(e) => Outcome::Read {
                                seen: Vec::new(),
                                error: None,
                                violation: Some(Violation::Corrupt {
                                    key: key.to_owned(),
                                    what: format!("downloaded file unreadable: {e}"),
                                }),
                            },
                        }
                    }
                    Err(e) => {
                        let violation = path.exists().then(|| Violation::Corrupt {
                            key: key.to_owned(),
                            what: format!("a failed download ({}) left a file at the destination", e.kind()),
                        });
                        let seen = if e.kind() == ErrorKind::NotFound {
                            vec![(key.to_owned(), Seen::Absent)]
                        } else {
                            Vec::new()
                        };
                        let error = (e.kind() != ErrorKind::NotFound).then(|| e.kind());
                        Outcome::Read { seen, error, violation }
                    }
                }
            }
        }
    }
}

fn write(key: &str, change: Change, result: cloud_core::Result<()>) -> Outcome {
    Outcome::Write { key: key.to_owned(), change, result: result.map_err(|e| e.kind()) }
}

/// A read: what it saw (`NotFound` is seeing no object), or the kind of its error.
async fn read(key: &str, call: impl Future<Output = cloud_core::Result<Seen>>) -> Outcome {
    match call.await {
        Ok(seen) => Outcome::Read { seen: vec![(key.to_owned(), seen)], error: None, violation: None },
        Err(e) if e.kind() == ErrorKind::NotFound => {
            Outcome::Read { seen: vec![(key.to_owned(), Seen::Absent)], error: None, violation: None }
        }
        Err(e) => Outcome::Read { seen: Vec::new(), error: Some(e.kind()), violation: None },
    }
}

/// `bytes` as a stream of 64 KiB chunks.
fn chunks(bytes: &Bytes) -> cloud_core::storage::ByteStream {
    let pieces: Vec<cloud_core::Result<Bytes>> =
        (0..bytes.len()).step_by(64 * 1024).map(|at| Ok(bytes.slice(at..(at + 64 * 1024).min(bytes.len())))).collect();
    futures::stream::iter(pieces).boxed()
}
