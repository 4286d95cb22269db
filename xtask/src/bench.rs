//! `cargo xtask bench [--quick]` and `cargo xtask bench-only SECTION…`: our storage clients
//! against the raw vendor SDK and the tools people use instead (boto3, python-swiftclient,
//! azure-storage-blob, google-cloud-storage), on the local servers.
//!
//! Every transfer is one process (`cloud-bench`, `python3`, `swift`) run under `/usr/bin/time`,
//! which gives its wall time, CPU time and peak resident memory, so all tools are measured the
//! same way. The tools of one comparison take turns within each round (interleaved), each after
//! a `sync` (so the disk writes of one tool's run, a server storing a GiB, are not flushed during
//! the next one's), and the median of the rounds is reported with its ratio to the fastest other
//! tool. The small-object comparison runs both clients in one process, in alternating batches,
//! and reports wall and CPU time of each. A full run builds in release mode, uses a 1 GiB object, 10,000 small objects,
//! 100,000 listed keys and a 4 GiB streamed object over 3 rounds, prints the tables and writes
//! them to `docs/benchmarks.md`; each section writes its own part of that file (with the date, the
//! machine's load average and the rounds), so `bench-only` refreshes some sections and keeps the
//! others. `--quick` (part of `cargo xtask test`) builds in debug mode, uses small sizes and one
//! round, and writes nothing.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use xshell::{Shell, cmd};

use crate::flags;
use crate::test::step;

/// What the peers need from apt: `/usr/bin/time`, boto3 for the system Python and the `swift`
/// command of python-swiftclient.
const PEER_PACKAGES: &[&str] = &["time", "python3-boto3", "python3-swiftclient"];

/// The peers installed from PyPI, each in a venv of its own: (venv, requirements).
const PIP_PEERS: &[(&str, &str)] =
    &[("venv-bench-azure", "azure-storage-blob==12.31.1"), ("venv-bench-gcs", "google-cloud-storage==3.17.1")];

/// The Python interpreter apt's boto3 and swiftclient belong to.
const PYTHON: &str = "/usr/bin/python3";

/// boto3's managed transfers (`upload_file` / `download_file`) with their default settings.
const BOTO3: &str = r#"
import os, sys
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["CLOUD_TEST_S3S_ENDPOINT"],
                  region_name=os.environ["CLOUD_TEST_S3S_REGION"],
                  aws_access_key_id=os.environ["CLOUD_TEST_S3S_ACCESS_KEY_ID"],
                  aws_secret_access_key=os.environ["CLOUD_TEST_S3S_SECRET_ACCESS_KEY"])
op, src, dst = sys.argv[1:4]
bucket = os.environ["CLOUD_TEST_S3S_BUCKET"]
if op == "up":
    s3.upload_file(src, bucket, dst)
else:
    s3.download_file(bucket, src, dst)
"#;

/// azure-storage-blob's `upload_blob` / `download_blob` with 4 transfers in flight (ours: 4).
const AZURE_BLOB: &str = r#"
import os, sys
from azure.storage.blob import BlobServiceClient
service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
container = service.get_container_client("bench")
if not container.exists():
    container.create_container()
op, src, dst = sys.argv[1:4]
if op == "up":
    with open(src, "rb") as f:
        container.upload_blob(dst, f, overwrite=True, max_concurrency=4)
else:
    with open(dst, "wb") as f:
        container.download_blob(src, max_concurrency=4).readinto(f)
"#;

/// google-cloud-storage's `upload_from_filename` / `download_to_filename` with their defaults,
/// on the emulator (`STORAGE_EMULATOR_HOST`).
const GCS_PYTHON: &str = r#"
import sys
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
client = storage.Client(project="cloud-test", credentials=AnonymousCredentials())
bucket = client.bucket("bench")
if not bucket.exists():
    client.create_bucket("bench")
op, src, dst = sys.argv[1:4]
if op == "up":
    bucket.blob(dst).upload_from_filename(src)
else:
    bucket.blob(src).download_to_filename(dst)
"#;

/// The sections, in the order they run and appear in `docs/benchmarks.md`.
const SECTIONS: &[&str] = &["s3", "swift", "azure", "gcs", "small", "list", "rss", "budgets", "build"];

/// Sections `--quick` leaves out, and why.
const NOT_QUICK: &[(&str, &str)] = &[
    ("budgets", "the budgets are per 6 seconds and per minute, so a meaningful run takes minutes"),
    ("build", "each round is two clean builds of many minutes"),
];

/// The clean builds compared: (tool, package, whether with all its features).
const BUILDS: &[(&str, &str, bool)] =
    &[("cloud-coda alone", "cloud-coda", false), ("cloud facade, all features", "cloud", true)];

/// The backends of the memory section: name, title, our client, the server it needs.
const STREAMED: &[(&str, &str, &str, &str)] = &[
    ("s3", "S3 (s3s-fs)", "cloud S3Client", "s3"),
    ("swift", "Swift (Keystone)", "cloud SwiftClient", "openstack-core"),
    ("azure", "Azure (Azurite)", "cloud AzureBlobClient", "azure"),
    ("gcs", "GCS (emulator)", "cloud GcsClient", "gcs"),
];

/// The most the memory section streams through the GCS emulator, in MiB.
const GCS_STREAMED_MIB: u64 = 1024;

/// The rate-budget runs: (crate, seconds, what the budget is).
const BUDGET_RUNS: &[(&str, u64, &str)] = &[
    ("cloud-coda", 60, "Coda, reads: 100 requests per 6 s"),
    ("cloud-infomaniak-newsletter", 180, "Infomaniak Newsletter: 60 requests per minute"),
];

/// The most keys listed on s3s-fs, which walks the whole bucket for every page of 1,000 (one
/// listing of 100,000 keys took it about 10 minutes).
const REAL_LISTED_KEYS: usize = 10_000;

/// `cloud-bench list-server`, running until dropped.
struct ListServer {
    child: std::process::Child,
    url: String,
}

impl ListServer {
    fn start(bin: &Path, prefix: &str, count: &str) -> Result<Self> {
        use std::io::BufRead as _;
        let mut child = Command::new(bin)
            .args(["list-server", prefix, count])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .context("start cloud-bench list-server")?;
        let mut line = String::new();
        let read = child.stdout.take().map(|out| std::io::BufReader::new(out).read_line(&mut line));
        let server = Self { child, url: format!("http://{}", line.trim()) };
        ensure!(matches!(read, Some(Ok(n)) if n > 0), "cloud-bench list-server printed no address");
        Ok(server)
    }
}

impl Drop for ListServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The servers a section needs (names of `cargo xtask emulators`).
fn servers_of(section: &str) -> &'static [&'static str] {
    match section {
        "s3" | "small" | "list" => &["s3"],
        "swift" => &["openstack-core"],
        "azure" => &["azure"],
        "gcs" => &["gcs"],
        "rss" => &["s3", "openstack-core", "azure", "gcs"],
        _ => &[],
    }
}

/// A setting that shows a server runs already.
fn setting_of(server: &str) -> &'static str {
    match server {
        "s3" => "CLOUD_TEST_S3S_ENDPOINT",
        "azure" => "CLOUD_TEST_AZURITE_BLOB_ENDPOINT",
        "gcs" => "CLOUD_TEST_GCS_ENDPOINT",
        _ => "OS_CLOUD",
    }
}

/// Whether an environment variable is a setting of the local servers.
fn is_server_setting(name: &str) -> bool {
    name.starts_with("CLOUD_TEST_")
        || name.starts_with("OS_")
        || name == "AZURE_STORAGE_CONNECTION_STRING"
        || name == "STORAGE_EMULATOR_HOST"
}

/// The sizes of one run.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    object_mib: u64,
    /// The object streamed by the memory section.
    streamed_mib: u64,
    rounds: usize,
    small_objects: usize,
    listed_keys: usize,
}

/// One measurement: wall seconds, CPU seconds (user + system) and peak resident memory in MiB
/// (`None` where the process ran several tools).
#[derive(Debug, Clone, Copy)]
struct Sample {
    seconds: f64,
    cpu_seconds: f64,
    rss_mib: Option<f64>,
}

/// The samples of one tool in one comparison.
#[derive(Debug)]
struct Series {
    tool: &'static str,
    samples: Vec<Sample>,
}

/// The median of some numbers (the upper one of an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

impl Series {
    fn median_seconds(&self) -> f64 {
        median(self.samples.iter().map(|s| s.seconds).collect())
    }

    fn median_cpu(&self) -> f64 {
        median(self.samples.iter().map(|s| s.cpu_seconds).collect())
    }

    fn peak_rss(&self) -> Option<f64> {
        self.samples.iter().filter_map(|s| s.rss_mib).reduce(f64::max)
    }
}

/// One comparison: several tools doing the same thing.
#[derive(Debug)]
struct Comparison {
    title: String,
    series: Vec<Series>,
}

/// The machine's load average over the last minute.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// What a section measured, as the Markdown it contributes.
struct SectionReport {
    name: &'static str,
    text: String,
}

/// The options of one run, from either command.
struct Options {
    quick: bool,
    size_mib: Option<u64>,
    rounds: Option<usize>,
    keys: Option<usize>,
    sections: Vec<&'static str>,
    /// The backends of the rss section (all when empty).
    backends: Vec<&'static str>,
}

pub(crate) fn run(sh: &Shell, flags: &flags::Bench, servers: Option<Vec<(String, String)>>) -> Result<()> {
    let options = Options {
        quick: flags.quick,
        size_mib: flags.size_mib,
        rounds: flags.rounds,
        keys: flags.keys,
        sections: SECTIONS.to_vec(),
        backends: Vec::new(),
    };
    run_sections(sh, &options, servers)
}

pub(crate) fn run_only(sh: &Shell, flags: &flags::BenchOnly) -> Result<()> {
    let mut sections = Vec::new();
    for name in &flags.sections {
        for name in name.split(',').filter(|n| !n.is_empty()) {
            let known = SECTIONS.iter().find(|s| **s == name);
            let Some(known) = known else { bail!("unknown section {name:?}; known: {}", SECTIONS.join(", ")) };
            sections.push(*known);
        }
    }
    ensure!(!sections.is_empty(), "name at least one section: {}", SECTIONS.join(", "));
    let mut backends = Vec::new();
    for name in flags.backend.iter().flat_map(|b| b.split(',')).filter(|n| !n.is_empty()) {
        let Some(known) = STREAMED.iter().find(|(b, ..)| *b == name) else {
            bail!("unknown backend {name:?}; known: s3, swift, azure, gcs")
        };
        backends.push(known.0);
    }
    ensure!(backends.is_empty() || sections == ["rss"], "--backend applies to the rss section alone");
    let options = Options {
        quick: flags.quick,
        size_mib: flags.size_mib,
        rounds: flags.rounds,
        keys: flags.keys,
        sections,
        backends,
    };
    run_sections(sh, &options, None)
}

fn run_sections(sh: &Shell, options: &Options, servers: Option<Vec<(String, String)>>) -> Result<()> {
    let quick = options.quick;
    let sizes = if quick {
        Sizes { object_mib: 8, streamed_mib: 8, rounds: 1, small_objects: 50, listed_keys: 300 }
    } else {
        Sizes {
            object_mib: options.size_mib.unwrap_or(1024),
            streamed_mib: options.size_mib.unwrap_or(4096),
            rounds: options.rounds.unwrap_or(3).max(1),
            small_objects: 10_000,
            listed_keys: options.keys.unwrap_or(100_000).max(1),
        }
    };
    let mut sections = options.sections.clone();
    if quick {
        for (section, why) in NOT_QUICK {
            if sections.contains(section) {
                eprintln!("bench: section {section} skipped by --quick: {why}");
            }
        }
        sections.retain(|s| NOT_QUICK.iter().all(|(skipped, _)| s != skipped));
    }
    let wanted = |s: &str| sections.contains(&s);
    let bin = step("build cloud-bench", || build(sh, quick))?;
    let pythons = step("install the other tools", || {
        let packages: BTreeSet<&'static str> = PEER_PACKAGES.iter().copied().collect();
        crate::emulators::install_apt_packages(sh, &packages)?;
        crate::emulators::install_pip_tools(sh, PIP_PEERS)
    })?;
    let needed: BTreeSet<&str> = if options.backends.is_empty() {
        sections.iter().flat_map(|s| servers_of(s).iter().copied()).collect()
    } else {
        STREAMED.iter().filter(|(b, ..)| options.backends.contains(b)).map(|(.., server)| *server).collect()
    };
    // Inside `cargo xtask test` the servers run and their settings are given; otherwise start
    // them as the tests do (and stop those started here at the end).
    // Settings exported with `eval "$(cargo xtask emulators env)"` count as given too.
    let exported: Vec<(String, String)> = std::env::vars().filter(|(k, _)| is_server_setting(k)).collect();
    let servers = servers.or_else(|| {
        needed.iter().all(|server| exported.iter().any(|(k, _)| k == setting_of(server))).then_some(exported)
    });
    let (guard, env) = match servers {
        Some(env) => (None, env),
        None => {
            let names: Vec<&str> = needed.iter().copied().collect();
            let guard = step("start local servers", || crate::emulators::start_for_tests(sh, &names))?;
            let env = guard.env();
            (Some(guard), env)
        }
    };
    let work = target_dir().join("bench");
    std::fs::create_dir_all(&work)?;
    let bench = Bench {
        bin,
        env,
        work,
        sizes,
        azure_python: pythons.first().cloned().context("no azure venv")?,
        gcs_python: pythons.get(1).cloned().context("no gcs venv")?,
        backends: options.backends.clone(),
    };
    let transfers = ["s3", "swift", "azure", "gcs"].iter().any(|s| wanted(s));
    let source = if transfers { Some(step("write the test object", || bench.source_file())?) } else { None };

    let mut reports: Vec<SectionReport> = Vec::new();
    for &section in &sections {
        let load_before = load_average();
        let started = chrono_like_now();
        if section == "budgets" {
            let text = step("section budgets", || budgets(sh, &started))?;
            reports.push(SectionReport { name: section, text });
            continue;
        }
        let results = step(&format!("section {section}"), || bench.section(section, source.as_deref()))?;
        let header = format!(
            "Run {started} UTC, load average {load_before} → {} (1 minute, {} cores), {} round(s), {} build.",
            load_average(),
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
            sizes.rounds,
            if quick { "debug" } else { "release" }
        );
        reports.push(SectionReport { name: section, text: section_markdown(section, &header, &results)? });
    }
    if let Some(source) = &source {
        std::fs::remove_file(source).ok();
    }
    drop(guard);

    for report in &reports {
        println!("{}", report.text);
    }
    if !quick {
        let path = crate::project_root().join("docs/benchmarks.md");
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if !options.backends.is_empty() {
            let earlier = old_blocks(&old).into_iter().find(|(name, _)| name == "rss").map(|(_, block)| block);
            for report in reports.iter_mut().filter(|r| r.name == "rss") {
                report.text = merge_streamed(earlier.as_deref().unwrap_or_default(), &report.text, &options.backends);
            }
        }
        std::fs::write(&path, document(&old, &reports)?).with_context(|| format!("write {}", path.display()))?;
        eprintln!("bench: written to docs/benchmarks.md");
    }
    Ok(())
}

/// The current UTC time as `YYYY-MM-DD HH:MM` (from `date`, so xtask needs no time crate).
fn chrono_like_now() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// Builds `cloud-bench` (release, or debug for `--quick`) and returns its path.
fn build(sh: &Shell, quick: bool) -> Result<PathBuf> {
    if quick {
        cmd!(sh, "cargo build -p cloud-bench --quiet").run()?;
    } else {
        cmd!(sh, "cargo build --release -p cloud-bench --quiet").run()?;
    }
    Ok(target_dir().join(if quick { "debug" } else { "release" }).join("cloud-bench"))
}

/// Cargo's target directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| crate::project_root().join("target"), PathBuf::from)
}

struct Bench {
    bin: PathBuf,
    env: Vec<(String, String)>,
    work: PathBuf,
    sizes: Sizes,
    azure_python: PathBuf,
    gcs_python: PathBuf,
    /// The backends of the rss section (all when empty).
    backends: Vec<&'static str>,
}

impl Bench {
    fn var(&self, name: &str) -> Result<String> {
        self.env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).with_context(|| format!("{name} is not set"))
    }

    fn section(&self, name: &str, source: Option<&Path>) -> Result<Vec<Comparison>> {
        let source = || source.context("no source file");
        match name {
            "s3" => self.s3_transfers(source()?),
            "swift" => self.swift_transfers(source()?),
            "azure" => self.azure_transfers(source()?),
            "gcs" => self.gcs_transfers(source()?),
            "small" => self.small_objects(),
            "list" => self.listing(),
            "rss" => self.streamed(),
            "build" => self.clean_builds(),
            other => bail!("unknown section {other:?}"),
        }
    }

    /// The object every transfer moves: pseudo-random bytes (the ones `cloud-bench` generates
    /// for streamed transfers), written once per size.
    fn source_file(&self) -> Result<PathBuf> {
        let path = self.work.join(format!("object-{}MiB.bin", self.sizes.object_mib));
        let len = self.sizes.object_mib << 20;
        if std::fs::metadata(&path).is_ok_and(|m| m.len() == len) {
            return Ok(path);
        }
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut block = vec![0u8; 1 << 20];
        for _ in 0..self.sizes.object_mib {
            for word in block.chunks_exact_mut(8) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                word.copy_from_slice(&state.to_le_bytes());
            }
            file.write_all(&block)?;
        }
        file.flush()?;
        Ok(path)
    }

    /// Runs one process; fails if it fails; returns its standard output.
    fn run(&self, what: &str, program: &Path, args: &[&str], extra_env: &[(&str, String)]) -> Result<String> {
        let output = Command::new(program)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(extra_env.iter().map(|(k, v)| (*k, v.as_str())))
            .output()
            .with_context(|| format!("run {what}"))?;
        if !output.status.success() {
            bail!(
                "{what} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Runs one process under `/usr/bin/time`; fails if it fails.
    fn measure(&self, what: &str, program: &Path, args: &[&str], extra_env: &[(&str, String)]) -> Result<Sample> {
        let times = self.work.join("time.txt");
        let mut timed = vec!["-f", "%e %M %U %S", "-o", times.to_str().context("a non-UTF-8 path")?];
        let program_str = program.to_str().context("a non-UTF-8 path")?;
        timed.push(program_str);
        timed.extend_from_slice(args);
        self.run(what, Path::new("/usr/bin/time"), &timed, extra_env)?;
        let text = std::fs::read_to_string(&times)?;
        let line = text.lines().last().unwrap_or_default();
        let fields: Vec<f64> = line.split_whitespace().filter_map(|s| s.parse().ok()).collect();
        let [seconds, kib, user, system] = fields[..] else { bail!("time said {text:?}") };
        Ok(Sample { seconds, cpu_seconds: user + system, rss_mib: Some(kib / 1024.0) })
    }

    fn ours(&self, what: &str, args: &[&str]) -> Result<Sample> {
        self.measure(what, &self.bin, args, &[])
    }

    /// Checks a downloaded file against the source (size and content), then removes it.
    fn verify(source: &Path, downloaded: &Path, tool: &str) -> Result<()> {
        let ok = files_equal(source, downloaded)?;
        std::fs::remove_file(downloaded)?;
        ensure!(ok, "{tool}: the downloaded file differs from the uploaded one");
        Ok(())
    }

    /// Runs `rounds` rounds of `op`, each round every tool in turn.
    fn rounds(
        &self,
        title: &str,
        tools: &[&'static str],
        mut op: impl FnMut(&'static str, usize) -> Result<Sample>,
    ) -> Result<Comparison> {
        let mut series: Vec<Series> = tools.iter().map(|t| Series { tool: t, samples: Vec::new() }).collect();
        for round in 0..self.sizes.rounds {
            for s in &mut series {
                settle_disk()?;
                let sample = op(s.tool, round)?;
                eprintln!(
                    "    {title} · {} · round {}: {:.2} s, CPU {:.2} s, {} (load {})",
                    s.tool,
                    round + 1,
                    sample.seconds,
                    sample.cpu_seconds,
                    sample.rss_mib.map_or_else(String::new, |m| format!("{m:.1} MiB")),
                    load_average()
                );
                s.samples.push(sample);
            }
        }
        Ok(Comparison { title: title.to_owned(), series })
    }

    /// Upload and download comparisons of one backend: `up(tool, src, key)` and
    /// `down(tool, key, dst)` measure one tool's transfer; the `upload_variants` (another
    /// configuration of a tool whose download is the same) are measured uploading only.
    fn transfers(
        &self,
        source: &Path,
        name: &str,
        tools: &[&'static str],
        upload_variants: &[&'static str],
        up: impl Fn(&'static str, &str, &str) -> Result<Sample>,
        down: impl Fn(&'static str, &str, &str) -> Result<Sample>,
    ) -> Result<Vec<Comparison>> {
        let src = source.to_str().context("a non-UTF-8 path")?;
        let mib = self.sizes.object_mib;
        let key = |tool: &str| format!("bench/{}.bin", tool.replace(' ', "-"));
        let up_tools: Vec<&'static str> = tools.iter().chain(upload_variants).copied().collect();
        let up = self.rounds(&format!("{name} upload {mib} MiB"), &up_tools, |tool, _| up(tool, src, &key(tool)))?;
        let down = self.rounds(&format!("{name} download {mib} MiB"), tools, |tool, _| {
            let dst = self.work.join("downloaded.bin");
            let sample = down(tool, &key(tool), dst.to_str().context("a non-UTF-8 path")?)?;
            Self::verify(source, &dst, tool)?;
            Ok(sample)
        })?;
        Ok(vec![up, down])
    }

    fn s3_transfers(&self, source: &Path) -> Result<Vec<Comparison>> {
        let python = Path::new(PYTHON);
        self.transfers(
            source,
            "S3 (s3s-fs)",
            &["cloud S3Client", "aws-sdk-s3", "boto3"],
            &["cloud S3Client (CRC32C)"],
            |tool, src, key| match tool {
                "cloud S3Client" => self.ours(tool, &["s3-up", "ours", src, key]),
                "cloud S3Client (CRC32C)" => self.ours(tool, &["s3-up", "ours-crc32c", src, key]),
                "aws-sdk-s3" => self.ours(tool, &["s3-up", "sdk", src, key]),
                _ => self.measure(tool, python, &["-c", BOTO3, "up", src, key], &[]),
            },
            |tool, key, dst| match tool {
                "cloud S3Client" => self.ours(tool, &["s3-down", "ours", key, dst]),
                "aws-sdk-s3" => self.ours(tool, &["s3-down", "sdk", key, dst]),
                _ => self.measure(tool, python, &["-c", BOTO3, "down", key, dst], &[]),
            },
        )
    }

    fn swift_transfers(&self, source: &Path) -> Result<Vec<Comparison>> {
        let swift_env = [
            ("OS_AUTH_URL", self.var("CLOUD_TEST_OS_AUTH_URL")?),
            ("OS_AUTH_TYPE", "v3applicationcredential".to_owned()),
            ("OS_IDENTITY_API_VERSION", "3".to_owned()),
            ("OS_APPLICATION_CREDENTIAL_ID", self.var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID")?),
            ("OS_APPLICATION_CREDENTIAL_SECRET", self.var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET")?),
            ("OS_REGION_NAME", self.var("CLOUD_TEST_OS_REGION")?),
        ];
        let swift = Path::new("swift");
        // python-swiftclient's large-object mode, as its documentation suggests: 64 MiB segments.
        let segment = (64u64 << 20).to_string();
        self.transfers(
            source,
            "Swift (Keystone)",
            &["cloud SwiftClient", "python-swiftclient"],
            &[],
            |tool, src, key| match tool {
                "cloud SwiftClient" => self.ours(tool, &["swift-up", "ours", src, key]),
                _ => self.measure(
                    tool,
                    swift,
                    &["upload", "--segment-size", &segment, "--object-name", key, "bench", src],
                    &swift_env,
                ),
            },
            |tool, key, dst| match tool {
                "cloud SwiftClient" => self.ours(tool, &["swift-down", "ours", key, dst]),
                _ => self.measure(tool, swift, &["download", "bench", key, "-o", dst], &swift_env),
            },
        )
    }

    fn azure_transfers(&self, source: &Path) -> Result<Vec<Comparison>> {
        let python = &self.azure_python;
        self.transfers(
            source,
            "Azure (Azurite)",
            &["cloud AzureBlobClient", "azure-storage-blob"],
            &[],
            |tool, src, key| match tool {
                "cloud AzureBlobClient" => self.ours(tool, &["azure-up", "ours", src, key]),
                _ => self.measure(tool, python, &["-c", AZURE_BLOB, "up", src, key], &[]),
            },
            |tool, key, dst| match tool {
                "cloud AzureBlobClient" => self.ours(tool, &["azure-down", "ours", key, dst]),
                _ => self.measure(tool, python, &["-c", AZURE_BLOB, "down", key, dst], &[]),
            },
        )
    }

    fn gcs_transfers(&self, source: &Path) -> Result<Vec<Comparison>> {
        let python = &self.gcs_python;
        let project = [("GCP_PROJECT_ID", "cloud-test".to_owned())];
        self.transfers(
            source,
            "GCS (emulator)",
            &["cloud GcsClient", "google-cloud-storage"],
            &[],
            |tool, src, key| match tool {
                "cloud GcsClient" => self.measure(tool, &self.bin, &["gcs-up", "ours", src, key], &project),
                _ => self.measure(tool, python, &["-c", GCS_PYTHON, "up", src, key], &[]),
            },
            |tool, key, dst| match tool {
                "cloud GcsClient" => self.measure(tool, &self.bin, &["gcs-down", "ours", key, dst], &project),
                _ => self.measure(tool, python, &["-c", GCS_PYTHON, "down", key, dst], &[]),
            },
        )
    }

    /// Both clients in one process, in alternating batches; one process per round.
    fn small_objects(&self) -> Result<Vec<Comparison>> {
        let n = self.sizes.small_objects;
        let count = n.to_string();
        let tools = ["cloud S3Client", "aws-sdk-s3"];
        let mut series: Vec<Series> = tools.iter().map(|t| Series { tool: t, samples: Vec::new() }).collect();
        for round in 0..self.sizes.rounds {
            let out = self.run("small objects", &self.bin, &["small", &count], &[])?;
            for line in out.lines() {
                let fields: Vec<&str> = line.split_whitespace().collect();
                let [who, wall, cpu] = fields[..] else { bail!("cloud-bench small said {line:?}") };
                let index = usize::from(who == "sdk");
                let sample = Sample { seconds: wall.parse()?, cpu_seconds: cpu.parse()?, rss_mib: None };
                eprintln!(
                    "    small objects · {} · round {}: {:.2} s, CPU {:.2} s (load {})",
                    tools[index],
                    round + 1,
                    sample.seconds,
                    sample.cpu_seconds,
                    load_average()
                );
                series[index].samples.push(sample);
            }
        }
        ensure!(series.iter().all(|s| s.samples.len() == self.sizes.rounds), "cloud-bench small printed too little");
        Ok(vec![Comparison { title: format!("S3 (s3s-fs) {n} × 1 KiB PUT then GET"), series }])
    }

    /// Listings on s3s-fs (at most [`REAL_LISTED_KEYS`] keys: it walks the whole bucket for
    /// every page) and, at the full count, on `cloud-bench list-server`, whose pages cost next to
    /// nothing, so the time is the clients' own.
    fn listing(&self) -> Result<Vec<Comparison>> {
        let tools = ["cloud S3Client", "aws-sdk-s3"];
        let who = |tool: &str| if tool == "aws-sdk-s3" { "sdk" } else { "ours" };
        let n = self.sizes.listed_keys;
        let real = n.min(REAL_LISTED_KEYS);
        let (count, prefix) = (real.to_string(), format!("bench/list-{real}/"));
        self.ours("list setup", &["list-setup", &prefix, &count])?;
        let on_s3s = self.rounds(&format!("S3 (s3s-fs) listing {real} keys"), &tools, |tool, _| {
            self.ours(tool, &["list", who(tool), &prefix, &count])
        })?;
        let (count, prefix) = (n.to_string(), format!("bench/list-{n}/"));
        let server = ListServer::start(&self.bin, &prefix, &count)?;
        let endpoint = [("CLOUD_TEST_S3S_ENDPOINT", server.url.clone())];
        let computed =
            self.rounds(&format!("S3 listing {n} keys, pages computed by `list-server`"), &tools, |tool, _| {
                self.measure(tool, &self.bin, &["list", who(tool), &prefix, &count], &endpoint)
            })?;
        Ok(vec![on_s3s, computed])
    }

    /// A generated object streamed up (`put_object` of a stream of known size) and down (the
    /// parallel read-ahead stream, every byte compared), per backend; the object is deleted after.
    fn streamed(&self) -> Result<Vec<Comparison>> {
        let project = [("GCP_PROJECT_ID", "cloud-test".to_owned())];
        let mut results = Vec::new();
        let chosen = STREAMED.iter().filter(|(b, ..)| self.backends.is_empty() || self.backends.contains(b));
        for &(backend, name, tool, _) in chosen {
            // gcp-storage-emulator keeps objects in the memory of its Python process, which the
            // other users of the shared server live with too: at most 1 GiB there.
            let mib =
                if backend == "gcs" { self.sizes.streamed_mib.min(GCS_STREAMED_MIB) } else { self.sizes.streamed_mib };
            let size = mib.to_string();
            let key = format!("bench/streamed-{mib}MiB.bin");
            let up = self.rounds(&format!("{name} streamed upload {mib} MiB"), &[tool], |tool, _| {
                self.measure(tool, &self.bin, &["stream-up", backend, &key, &size], &project)
            });
            let down = up.and_then(|up| {
                let down = self.rounds(&format!("{name} streamed download {mib} MiB"), &[tool], |tool, _| {
                    self.measure(tool, &self.bin, &["stream-down", backend, &key, &size], &project)
                })?;
                Ok((up, down))
            });
            // The servers keep the object on disk or in memory: always remove it.
            let deleted = self.run("delete the streamed object", &self.bin, &["delete", backend, &key], &project);
            let (up, down) = down?;
            deleted?;
            results.extend([up, down]);
        }
        Ok(results)
    }

    /// Clean debug builds (the profile of `cargo build` and `cargo test`) of one provider crate
    /// and of the whole facade, each in an empty target directory, with the cores cargo finds.
    /// The registry's sources are already on disk (`--offline`): downloads are not timed.
    fn clean_builds(&self) -> Result<Vec<Comparison>> {
        let manifest = crate::project_root().join("Cargo.toml");
        let manifest = manifest.to_str().context("a non-UTF-8 path")?;
        let tools: Vec<&'static str> = BUILDS.iter().map(|(tool, _, _)| *tool).collect();
        let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
        let comparison = self.rounds("Clean debug build", &tools, |tool, _| {
            let &(_, package, all_features) =
                BUILDS.iter().find(|(t, _, _)| *t == tool).context("a build without a package")?;
            let dir = self.work.join("clean-build");
            if dir.exists() {
                std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
            }
            let mut args =
                vec!["build", "--quiet", "--locked", "--offline", "--manifest-path", manifest, "-p", package];
            if all_features {
                args.push("--all-features");
            }
            let dir_text = dir.to_str().context("a non-UTF-8 path")?.to_owned();
            let sample = self.measure(tool, &cargo, &args, &[("CARGO_TARGET_DIR", dir_text)]);
            // Several GiB per build: never left behind, even when the build failed.
            std::fs::remove_dir_all(&dir).ok();
            sample
        })?;
        Ok(vec![comparison])
    }
}

/// Runs the rate-budget examples of the REST clients (a loopback server enforcing the
/// documented budget exactly, many tasks calling through one client as fast as it lets them) and
/// returns their reports as the section's Markdown.
fn budgets(sh: &Shell, started: &str) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "<!-- bench:budgets -->")?;
    let load_before = load_average();
    for &(krate, seconds, budget) in BUDGET_RUNS {
        // Debug build: the run is bound by the budget, not by the CPU, and the debug build of
        // these crates is the one the tests keep up to date.
        cmd!(sh, "cargo build --quiet -p {krate} --example rate_limit_bench").run()?;
        let example = target_dir().join("debug/examples/rate_limit_bench");
        let seconds = seconds.to_string();
        let report = cmd!(sh, "{example} {seconds}").read().with_context(|| format!("the {krate} budget run"))?;
        eprintln!("{report}");
        let refused = report
            .lines()
            .find_map(|l| l.strip_prefix("429 answers:"))
            .and_then(|n| n.trim().parse::<u64>().ok())
            .with_context(|| format!("no 429 count in the {krate} report:\n{report}"))?;
        ensure!(refused == 0, "{krate}: the server answered {refused} requests with 429");
        writeln!(out, "### {budget}")?;
        writeln!(out)?;
        writeln!(out, "`cargo run -p {krate} --example rate_limit_bench -- {seconds}`:")?;
        writeln!(out)?;
        writeln!(out, "```text")?;
        writeln!(out, "{}", report.trim_end())?;
        writeln!(out, "```")?;
        writeln!(out)?;
    }
    writeln!(
        out,
        "Run {started} UTC, load average {load_before} → {} (1 minute, {} cores), one run each, debug build.",
        load_average(),
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    )?;
    writeln!(out, "<!-- /bench:budgets -->")?;
    Ok(out)
}

/// Whether two files hold the same bytes.
fn files_equal(a: &Path, b: &Path) -> Result<bool> {
    use std::io::Read as _;
    let (fa, fb) = (std::fs::File::open(a)?, std::fs::File::open(b)?);
    if fa.metadata()?.len() != fb.metadata()?.len() {
        return Ok(false);
    }
    let (mut ra, mut rb) = (std::io::BufReader::new(fa), std::io::BufReader::new(fb));
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = ra.read(&mut ba)?;
        if n == 0 {
            return Ok(true);
        }
        rb.read_exact(&mut bb[..n])?;
        if ba[..n] != bb[..n] {
            return Ok(false);
        }
    }
}

/// The machine: CPU, cores, memory, kernel, compiler.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |v| v.trim_start_matches([' ', '\t', ':']));
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let output = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    format!(
        "{cpu}, {cores} cores available, {mem_gib:.1} GiB of memory; Linux {}; {}; servers on 127.0.0.1 (loopback), \
         files on the local disk",
        output("uname", &["-r"]),
        output("rustc", &["--version"])
    )
}

/// What each section measures, above its tables.
fn section_intro(section: &str) -> &'static str {
    match section {
        "s3" => {
            "`S3Client::upload_file` / `download_file` against raw `aws-sdk-s3` (its multipart API with 8 MiB parts, \
             4 in flight; a plain loop of 8 MiB ranged GETs) and boto3 `upload_file` / `download_file` (Debian \
             `python3-boto3`, default transfer settings: 8 MiB parts, 10 threads). `cloud S3Client` sends a Content-MD5 \
             with every part (the default with an endpoint; MD5 costs about 1.5 s of CPU per GiB here), `cloud S3Client \
             (CRC32C)` an `x-amz-checksum-crc32c` instead (`UploadChecksum::Crc32c`, the default on Amazon S3; s3s-fs \
             checks neither on parts), and the raw SDK, configured `WhenRequired` as for S3-compatible servers, no \
             checksum. Our rows are compared with the other tools only."
        }
        "swift" => "`SwiftClient` against the `swift` command of python-swiftclient (64 MiB segments).",
        "azure" => {
            "`AzureBlobClient` against azure-storage-blob 12.31.1 (`upload_blob` / `download_blob` with \
             `max_concurrency=4`, as many transfers in flight as ours)."
        }
        "gcs" => {
            "`GcsClient` against google-cloud-storage 3.17.1 (`upload_from_filename` / `download_to_filename`, \
             default settings), on gcp-storage-emulator, with 256 MiB (`--size-mib 256`): the emulator keeps objects \
             in the memory of its Python process. Both upload the file's bytes in one request: google-cloud-storage \
             in a single request holding the whole file in memory; `GcsClient` in one resumable `PUT` streamed from \
             the file (the last 8 MiB sent kept for a resend), then a last one of at most 256 KiB with the CRC32C. \
             Chunked resumable uploads cannot be compared on this emulator: it copies the whole upload received so \
             far at every chunk (`add_to_resumable_upload` appends to an immutable `bytes`), so their time grows with \
             the square of the chunk count: 1 GiB in 8 MiB chunks sent with curl takes 0.04 s for the first chunk, \
             about 1 s for the last ones and 60 s in all, against 3 s in one request. That is this emulator's cost, \
             not the protocol's; Google's guide prefers a single request when the size is known."
        }
        "small" => {
            "`S3Client::put_bytes` then `get_bytes` against raw `aws-sdk-s3` `PutObject` then `GetObject`, both in one \
             process on one thread, in alternating batches of 100 keys (each batch puts its keys, then reads them \
             back), so a change in the machine's load falls on both alike. \"CPU\" is the client thread's CPU time: \
             on a shared machine, waiting for the server and for a core dominates the wall time, while the CPU time \
             is the client's own work. Both send one request per operation on one reused connection (pinned by \
             `crates/cloud-aws/tests/wire.rs`)."
        }
        "list" => {
            "`S3Client::list_objects` against the SDK's `ListObjectsV2` paginator, counting every key (1,000 per \
             page): on s3s-fs at up to 10,000 keys (it walks the whole bucket for every page, so the time is \
             mostly the server's), and at the full count on `cloud-bench list-server`, a loopback `ListObjectsV2` \
             responder that answers each page, rendered before the first request, by its continuation token, so \
             the time and CPU are the clients' own."
        }
        "rss" => {
            "A generated object streamed up (`put_object` of a stream of known size: the multipart, block or \
             segment path; on GCS one streamed resumable request) and down (`get_object_read_ahead`, the parallel ranged read-ahead stream, default 8 MiB \
             parts × 4, every byte compared with the generated ones), per backend, nothing written to disk on the \
             client; the object is deleted afterwards. On the GCS emulator the object is at most 1 GiB: it keeps \
             objects in the memory of its Python process."
        }
        "build" => {
            "A clean `cargo build` (debug, the profile of `cargo build` and `cargo test`) in an empty target \
             directory, with every core of this machine, of one provider crate (`cloud-coda`, default features) \
             against the `cloud` facade with every provider (`--all-features`); dependencies' sources already \
             downloaded. Peak RSS is the largest compiler process."
        }
        "budgets" => {
            "Each REST client against a loopback server (`cloud_contract_testing::server::Server::rate_limited`) \
             that enforces the documented budget exactly (a sliding window over arrivals) and answers 429 beyond it, \
             with many tasks calling through one client as fast as its rate limiter lets them: requests served, share \
             of the budget used, 429 answers (the run fails on any)."
        }
        _ => "",
    }
}

/// Flushes the page cache's dirty pages to disk (`sync`), so a run does not pay for the
/// previous one's writes.
fn settle_disk() -> Result<()> {
    let status = std::process::Command::new("sync").status().context("running sync")?;
    ensure!(status.success(), "sync failed: {status}");
    Ok(())
}

fn ratio(ours: f64, other: f64) -> String {
    if other.is_finite() && other > 0.0 { format!("{:.2}×", ours / other) } else { "—".to_owned() }
}

/// One section's Markdown: its heading, what it measures, when, and a table per comparison.
fn section_markdown(section: &str, header: &str, results: &[Comparison]) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "<!-- bench:{section} -->")?;
    for comparison in results {
        writeln!(out, "### {}", comparison.title)?;
        writeln!(out)?;
        if comparison.series.len() > 1 {
            writeln!(
                out,
                "| tool | median time | CPU (median) | peak RSS | time vs fastest other | CPU vs other | rounds (s) |"
            )?;
            writeln!(out, "|---|---|---|---|---|---|---|")?;
        } else {
            writeln!(out, "| tool | median time | CPU (median) | peak RSS | rounds (s) |")?;
            writeln!(out, "|---|---|---|---|---|")?;
        }
        for series in &comparison.series {
            // Our rows are compared with the other tools, not with another configuration of ours.
            let ours = |tool: &str| tool.starts_with("cloud ");
            let others =
                comparison.series.iter().filter(|s| s.tool != series.tool && !(ours(s.tool) && ours(series.tool)));
            let fastest = others.clone().map(Series::median_seconds).fold(f64::INFINITY, f64::min);
            let least_cpu = others.map(Series::median_cpu).fold(f64::INFINITY, f64::min);
            let rounds: Vec<String> = series.samples.iter().map(|s| format!("{:.2}", s.seconds)).collect();
            let rss = series.peak_rss().map_or_else(|| "—".to_owned(), |m| format!("{m:.1} MiB"));
            let ratios = if comparison.series.len() > 1 {
                format!(" {} | {} |", ratio(series.median_seconds(), fastest), ratio(series.median_cpu(), least_cpu))
            } else {
                String::new()
            };
            writeln!(
                out,
                "| {} | {:.2} s | {:.2} s | {rss} |{ratios} {} |",
                series.tool,
                series.median_seconds(),
                series.median_cpu(),
                rounds.join(" / ")
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "{header}")?;
    writeln!(out, "<!-- /bench:{section} -->")?;
    Ok(out)
}

/// The rss block with the tables of the `measured` backends from `new` and the others' from
/// `earlier` (whole blocks), then the notes of when both ran, the new one naming its backends.
fn merge_streamed(earlier: &str, new: &str, measured: &[&str]) -> String {
    let (earlier_tables, earlier_notes) = tables_and_notes(earlier);
    let (new_tables, new_notes) = tables_and_notes(new);
    let mut out = String::from("<!-- bench:rss -->\n");
    for (backend, name, ..) in STREAMED {
        let from = if measured.contains(backend) { &new_tables } else { &earlier_tables };
        for (_, table) in from.iter().filter(|(title, _)| title.starts_with(name)) {
            out.push_str(table);
        }
    }
    let names: Vec<&str> = STREAMED.iter().filter(|(b, ..)| measured.contains(b)).map(|(_, name, ..)| *name).collect();
    for note in earlier_notes {
        out.push_str(&format!("{note}\n"));
    }
    for note in new_notes {
        out.push_str(&format!("{}: {note}\n", names.join(", ")));
    }
    out.push_str("<!-- /bench:rss -->\n");
    out
}

/// The tables of a section's block (title, Markdown with its heading) and its other lines.
fn tables_and_notes(block: &str) -> (Vec<(String, String)>, Vec<String>) {
    let (mut tables, mut notes): (Vec<(String, String)>, Vec<String>) = (Vec::new(), Vec::new());
    for line in block.lines().filter(|l| !l.starts_with("<!-- ")) {
        if let Some(title) = line.strip_prefix("### ") {
            tables.push((title.to_owned(), format!("{line}\n")));
        } else if line.is_empty() || line.starts_with('|') {
            if let Some((_, table)) = tables.last_mut() {
                table.push_str(&format!("{line}\n"));
            }
        } else {
            notes.push(line.to_owned());
        }
    }
    (tables, notes)
}

/// The sections' blocks of an earlier `docs/benchmarks.md`, by name.
fn old_blocks(old: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut rest = old;
    while let Some(start) = rest.find("<!-- bench:") {
        let after = &rest[start + "<!-- bench:".len()..];
        let Some(name_end) = after.find(" -->") else { break };
        let name = after[..name_end].to_owned();
        let end_marker = format!("<!-- /bench:{name} -->");
        let Some(end) = rest[start..].find(&end_marker) else { break };
        let end = start + end + end_marker.len();
        blocks.push((name, format!("{}\n", &rest[start..end])));
        rest = &rest[end..];
    }
    blocks
}

/// The whole document: the method, the machine, then every section, freshly measured or kept
/// from the earlier document.
fn document(old: &str, reports: &[SectionReport]) -> Result<String> {
    let kept = old_blocks(old);
    let mut out = String::new();
    writeln!(out, "# Benchmarks")?;
    writeln!(out)?;
    writeln!(
        out,
        "Written by `cargo xtask bench` (all sections) and `cargo xtask bench-only SECTION…` (some of them; the \
         others are kept as they were). Release build; servers of `cargo xtask emulators` on loopback. Each transfer \
         is one process timed from outside by `/usr/bin/time` (wall time, CPU time = user + system, peak resident \
         memory), so every tool is measured the same way, process start included; the tools of one comparison take \
         turns within each round, each after a `sync` (so one run's disk writes are not flushed during the next \
         one), and the figure is the median of the rounds (peak memory: the highest). \"vs fastest \
         other\" divides our figure by the best other tool's (below 1.00: we are faster). Every downloaded file is \
         compared byte for byte with the source."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Each section says when it ran and the machine's load average around it: this machine is shared with \
         other builds, so wall times spread widely between rounds; CPU times vary much less."
    )?;
    writeln!(out)?;
    writeln!(out, "Machine: {}.", machine())?;
    for &section in SECTIONS {
        writeln!(out)?;
        writeln!(out, "## {}", section_title(section))?;
        writeln!(out)?;
        writeln!(out, "{}", section_intro(section))?;
        writeln!(out)?;
        if let Some(report) = reports.iter().find(|r| r.name == section) {
            write!(out, "{}", report.text)?;
        } else if let Some((_, block)) = kept.iter().find(|(name, _)| name == section) {
            write!(out, "{block}")?;
        } else {
            writeln!(out, "<!-- bench:{section} -->")?;
            writeln!(out, "Not measured yet: `cargo xtask bench-only {section}`.")?;
            writeln!(out, "<!-- /bench:{section} -->")?;
        }
    }
    Ok(out)
}

fn section_title(section: &str) -> &'static str {
    match section {
        "s3" => "S3 (s3s-fs): file upload and download",
        "swift" => "Swift (Keystone): file upload and download",
        "azure" => "Azure (Azurite): file upload and download",
        "gcs" => "GCS (emulator): file upload and download",
        "small" => "Small objects: per-operation overhead",
        "list" => "Listing",
        "rss" => "Peak memory streaming a large object",
        "budgets" => "Rate budgets (Coda, Infomaniak Newsletter)",
        "build" => "Build time: one provider against the facade",
        _ => "Other",
    }
}

#[cfg(test)]
mod tests {
    use super::merge_streamed;

    fn table(title: &str, seconds: &str) -> String {
        format!("### {title}\n\n| tool | median time |\n|---|---|\n| ours | {seconds} |\n\n")
    }

    #[test]
    fn a_rerun_of_one_backend_replaces_its_tables_and_keeps_the_others() {
        let earlier = format!(
            "<!-- bench:rss -->\n{}{}{}Run 09:40 UTC, 1 round(s).\n<!-- /bench:rss -->\n",
            table("S3 (s3s-fs) streamed upload 4096 MiB", "70 s"),
            table("GCS (emulator) streamed upload 1024 MiB", "104 s"),
            table("GCS (emulator) streamed download 1024 MiB", "2.9 s"),
        );
        let new = format!(
            "<!-- bench:rss -->\n{}{}Run 11:55 UTC, 3 round(s).\n<!-- /bench:rss -->\n",
            table("GCS (emulator) streamed upload 1024 MiB", "4.2 s"),
            table("GCS (emulator) streamed download 1024 MiB", "2.5 s"),
        );
        let merged = merge_streamed(&earlier, &new, &["gcs"]);
        let expected = format!(
            "<!-- bench:rss -->\n{}{}{}Run 09:40 UTC, 1 round(s).\nGCS (emulator): Run 11:55 UTC, 3 round(s).\n<!-- /bench:rss -->\n",
            table("S3 (s3s-fs) streamed upload 4096 MiB", "70 s"),
            table("GCS (emulator) streamed upload 1024 MiB", "4.2 s"),
            table("GCS (emulator) streamed download 1024 MiB", "2.5 s"),
        );
        assert_eq!(merged, expected);
    }
}
