//! `cargo xtask bench [--quick]`: our storage clients against the raw vendor SDK and the tools
//! people use instead (boto3, python-swiftclient), on the local servers.
//!
//! Every operation is one process (`cloud-bench`, `python3`, `swift`) run under
//! `/usr/bin/time`, which gives its wall time and peak resident memory, so all tools are measured
//! the same way. The tools of one comparison take turns within each round (interleaved), and the
//! median of the rounds is reported with its ratio to the fastest other tool. A full run builds
//! in release mode, uses a 1 GiB object, 10,000 small objects and 100,000 listed keys over 3
//! rounds, prints the tables and writes them to `docs/benchmarks.md`; `--quick` (part of
//! `cargo xtask test`) builds in debug mode, uses small sizes and one round, and writes nothing.

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

/// Settings that show the servers run already (one per server the bench needs).
const SERVER_SETTINGS: &[&str] = &["CLOUD_TEST_S3S_ENDPOINT", "CLOUD_TEST_AZURITE_BLOB_ENDPOINT", "OS_CLOUD"];

/// Whether an environment variable is a setting of the local servers.
fn is_server_setting(name: &str) -> bool {
    name.starts_with("CLOUD_TEST_") || name.starts_with("OS_") || name == "AZURE_STORAGE_CONNECTION_STRING"
}

/// The sizes of one run.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    object_mib: u64,
    rounds: usize,
    small_objects: usize,
    listed_keys: usize,
}

/// One measured process: wall seconds and peak resident memory in MiB.
#[derive(Debug, Clone, Copy)]
struct Sample {
    seconds: f64,
    rss_mib: f64,
}

/// The samples of one tool in one comparison.
#[derive(Debug)]
struct Series {
    tool: &'static str,
    samples: Vec<Sample>,
}

impl Series {
    fn median(&self) -> Sample {
        let mut secs: Vec<f64> = self.samples.iter().map(|s| s.seconds).collect();
        secs.sort_by(f64::total_cmp);
        let rss = self.samples.iter().map(|s| s.rss_mib).fold(0.0, f64::max);
        Sample { seconds: secs[secs.len() / 2], rss_mib: rss }
    }
}

/// One comparison: several tools doing the same thing.
#[derive(Debug)]
struct Comparison {
    title: String,
    series: Vec<Series>,
}

pub(crate) fn run(sh: &Shell, flags: &flags::Bench, servers: Option<Vec<(String, String)>>) -> Result<()> {
    let quick = flags.quick;
    let sizes = if quick {
        Sizes { object_mib: 8, rounds: 1, small_objects: 50, listed_keys: 300 }
    } else {
        Sizes {
            object_mib: flags.size_mib.unwrap_or(1024),
            rounds: flags.rounds.unwrap_or(3).max(1),
            small_objects: 10_000,
            listed_keys: flags.keys.unwrap_or(100_000).max(1),
        }
    };
    let bin = step("build cloud-bench", || build(sh, quick))?;
    step("install the other tools", || {
        let packages: BTreeSet<&'static str> = PEER_PACKAGES.iter().copied().collect();
        crate::emulators::install_apt_packages(sh, &packages)
    })?;
    // Inside `cargo xtask test` the servers run and their settings are given; otherwise start
    // them as the tests do (and stop those started here at the end).
    // Settings exported with `eval "$(cargo xtask emulators env)"` count as given too.
    let exported: Vec<(String, String)> = std::env::vars().filter(|(k, _)| is_server_setting(k)).collect();
    let servers = servers
        .or_else(|| SERVER_SETTINGS.iter().all(|name| exported.iter().any(|(k, _)| k == name)).then_some(exported));
    let (guard, env) = match servers {
        Some(env) => (None, env),
        None => {
            let guard = step("start local servers", || {
                crate::emulators::start_for_tests(sh, &["s3", "azure", "openstack-core"])
            })?;
            let env = guard.env();
            (Some(guard), env)
        }
    };
    let work = target_dir().join("bench");
    std::fs::create_dir_all(&work)?;
    let bench = Bench { bin, env, work, sizes };
    let source = step("write the test object", || bench.source_file())?;

    let mut results = Vec::new();
    step("S3 transfers", || bench.s3_transfers(&source, &mut results))?;
    step("Swift transfers", || bench.swift_transfers(&source, &mut results))?;
    step("Azure transfers", || bench.azure_transfers(&source, &mut results))?;
    step("small objects", || bench.small_objects(&mut results))?;
    step("listing", || bench.listing(&mut results))?;
    drop(guard);

    let report = report(&results, &sizes, quick)?;
    println!("{report}");
    if !quick {
        let path = crate::project_root().join("docs/benchmarks.md");
        std::fs::write(&path, report).with_context(|| format!("write {}", path.display()))?;
        eprintln!("bench: written to docs/benchmarks.md");
    }
    Ok(())
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
}

impl Bench {
    fn var(&self, name: &str) -> Result<String> {
        self.env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).with_context(|| format!("{name} is not set"))
    }

    /// The object every transfer moves: pseudo-random bytes, written once per size.
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

    /// Runs one process under `/usr/bin/time`; fails if it fails.
    fn measure(&self, what: &str, program: &Path, args: &[&str], extra_env: &[(&str, String)]) -> Result<Sample> {
        let times = self.work.join("time.txt");
        let output = Command::new("/usr/bin/time")
            .args(["-f", "%e %M", "-o"])
            .arg(&times)
            .arg(program)
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
        let text = std::fs::read_to_string(&times)?;
        let line = text.lines().last().unwrap_or_default();
        let mut fields = line.split_whitespace();
        let seconds: f64 = fields.next().and_then(|s| s.parse().ok()).with_context(|| format!("time said {text:?}"))?;
        let kib: f64 = fields.next().and_then(|s| s.parse().ok()).with_context(|| format!("time said {text:?}"))?;
        Ok(Sample { seconds, rss_mib: kib / 1024.0 })
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

    /// Runs `rounds` rounds of `ops`, each round every tool in turn.
    fn rounds(
        &self,
        title: &str,
        tools: &[&'static str],
        mut op: impl FnMut(&'static str, usize) -> Result<Sample>,
    ) -> Result<Comparison> {
        let mut series: Vec<Series> = tools.iter().map(|t| Series { tool: t, samples: Vec::new() }).collect();
        for round in 0..self.sizes.rounds {
            for s in &mut series {
                let sample = op(s.tool, round)?;
                eprintln!(
                    "    {title} · {} · round {}: {:.2} s, {:.1} MiB",
                    s.tool,
                    round + 1,
                    sample.seconds,
                    sample.rss_mib
                );
                s.samples.push(sample);
            }
        }
        Ok(Comparison { title: title.to_owned(), series })
    }

    fn s3_transfers(&self, source: &Path, results: &mut Vec<Comparison>) -> Result<()> {
        let src = source.to_str().context("a non-UTF-8 path")?;
        let mib = self.sizes.object_mib;
        let tools = ["cloud S3Client", "aws-sdk-s3", "boto3"];
        let key = |tool: &str| format!("bench/{}.bin", tool.replace(' ', "-"));
        let python = Path::new(PYTHON);
        let up = self.rounds(&format!("S3 (s3s-fs) upload {mib} MiB"), &tools, |tool, _| {
            let key = key(tool);
            match tool {
                "cloud S3Client" => self.ours(tool, &["s3-up", "ours", src, &key]),
                "aws-sdk-s3" => self.ours(tool, &["s3-up", "sdk", src, &key]),
                _ => self.measure(tool, python, &["-c", BOTO3, "up", src, &key], &[]),
            }
        })?;
        let down = self.rounds(&format!("S3 (s3s-fs) download {mib} MiB"), &tools, |tool, _| {
            let key = key(tool);
            let dst = self.work.join("downloaded.bin");
            let dst_str = dst.to_str().context("a non-UTF-8 path")?;
            let sample = match tool {
                "cloud S3Client" => self.ours(tool, &["s3-down", "ours", &key, dst_str]),
                "aws-sdk-s3" => self.ours(tool, &["s3-down", "sdk", &key, dst_str]),
                _ => self.measure(tool, python, &["-c", BOTO3, "down", &key, dst_str], &[]),
            }?;
            Self::verify(source, &dst, tool)?;
            Ok(sample)
        })?;
        results.extend([up, down]);
        Ok(())
    }

    fn swift_transfers(&self, source: &Path, results: &mut Vec<Comparison>) -> Result<()> {
        let src = source.to_str().context("a non-UTF-8 path")?;
        let mib = self.sizes.object_mib;
        let tools = ["cloud SwiftClient", "python-swiftclient"];
        let swift_env = [
            ("OS_AUTH_URL", self.var("CLOUD_TEST_OS_AUTH_URL")?),
            ("OS_AUTH_TYPE", "v3applicationcredential".to_owned()),
            ("OS_IDENTITY_API_VERSION", "3".to_owned()),
            ("OS_APPLICATION_CREDENTIAL_ID", self.var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID")?),
            ("OS_APPLICATION_CREDENTIAL_SECRET", self.var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET")?),
            ("OS_REGION_NAME", self.var("CLOUD_TEST_OS_REGION")?),
        ];
        let swift = Path::new("swift");
        let key = |tool: &str| format!("bench/{}.bin", tool.replace(' ', "-"));
        // python-swiftclient's large-object mode, as its documentation suggests: 64 MiB segments.
        let segment = (64u64 << 20).to_string();
        let up = self.rounds(&format!("Swift (Keystone) upload {mib} MiB"), &tools, |tool, _| {
            let key = key(tool);
            match tool {
                "cloud SwiftClient" => self.ours(tool, &["swift-up", "ours", src, &key]),
                _ => self.measure(
                    tool,
                    swift,
                    &["upload", "--segment-size", &segment, "--object-name", &key, "bench", src],
                    &swift_env,
                ),
            }
        })?;
        let down = self.rounds(&format!("Swift (Keystone) download {mib} MiB"), &tools, |tool, _| {
            let key = key(tool);
            let dst = self.work.join("downloaded.bin");
            let dst_str = dst.to_str().context("a non-UTF-8 path")?;
            let sample = match tool {
                "cloud SwiftClient" => self.ours(tool, &["swift-down", "ours", &key, dst_str]),
                _ => self.measure(tool, swift, &["download", "bench", &key, "-o", dst_str], &swift_env),
            }?;
            Self::verify(source, &dst, tool)?;
            Ok(sample)
        })?;
        results.extend([up, down]);
        Ok(())
    }

    fn azure_transfers(&self, source: &Path, results: &mut Vec<Comparison>) -> Result<()> {
        let src = source.to_str().context("a non-UTF-8 path")?;
        let mib = self.sizes.object_mib;
        let tools = ["cloud AzureBlobClient"];
        let up = self.rounds(&format!("Azure (Azurite) upload {mib} MiB"), &tools, |tool, _| {
            self.ours(tool, &["azure-up", "ours", src, "bench/azure.bin"])
        })?;
        let down = self.rounds(&format!("Azure (Azurite) download {mib} MiB"), &tools, |tool, _| {
            let dst = self.work.join("downloaded.bin");
            let sample =
                self.ours(tool, &["azure-down", "ours", "bench/azure.bin", dst.to_str().unwrap_or_default()])?;
            Self::verify(source, &dst, tool)?;
            Ok(sample)
        })?;
        results.extend([up, down]);
        Ok(())
    }

    fn small_objects(&self, results: &mut Vec<Comparison>) -> Result<()> {
        let n = self.sizes.small_objects;
        let count = n.to_string();
        let tools = ["cloud S3Client", "aws-sdk-s3"];
        results.push(self.rounds(&format!("S3 (s3s-fs) {n} × 1 KiB PUT then GET"), &tools, |tool, _| {
            let who = if tool == "aws-sdk-s3" { "sdk" } else { "ours" };
            self.ours(tool, &["small", who, &count])
        })?);
        Ok(())
    }

    fn listing(&self, results: &mut Vec<Comparison>) -> Result<()> {
        let n = self.sizes.listed_keys;
        let count = n.to_string();
        let prefix = format!("bench/list-{n}/");
        self.ours("list setup", &["list-setup", &prefix, &count])?;
        let tools = ["cloud S3Client", "aws-sdk-s3"];
        results.push(self.rounds(&format!("S3 (s3s-fs) listing {n} keys"), &tools, |tool, _| {
            let who = if tool == "aws-sdk-s3" { "sdk" } else { "ours" };
            self.ours(tool, &["list", who, &prefix, &count])
        })?);
        Ok(())
    }
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

/// The report: a table per comparison, with ratios to the fastest other tool.
fn report(results: &[Comparison], sizes: &Sizes, quick: bool) -> Result<String> {
    let mut out = String::new();
    writeln!(out, "# Benchmarks")?;
    writeln!(out)?;
    writeln!(
        out,
        "Written by `cargo xtask bench`{}. Each operation is one process timed from outside by `/usr/bin/time` (wall \
         time, and peak resident memory of the process); the tools of one comparison take turns within each round; \
         the time is the median of {} round(s), the memory the highest of them. \"vs fastest other\" is our time \
         divided by the fastest other tool's (below 1.00: we are faster).",
        if quick { " --quick" } else { "" },
        sizes.rounds
    )?;
    writeln!(out)?;
    writeln!(out, "Machine: {}.", machine())?;
    for comparison in results {
        writeln!(out)?;
        writeln!(out, "## {}", comparison.title)?;
        writeln!(out)?;
        writeln!(out, "| tool | median time | peak RSS | vs fastest other | rounds |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for series in &comparison.series {
            let m = series.median();
            let others = comparison.series.iter().filter(|s| s.tool != series.tool).map(|s| s.median().seconds);
            let fastest = others.fold(f64::INFINITY, f64::min);
            let ratio = if fastest.is_finite() && fastest > 0.0 {
                format!("{:.2}×", m.seconds / fastest)
            } else {
                "—".to_owned()
            };
            let rounds: Vec<String> = series.samples.iter().map(|s| format!("{:.2}", s.seconds)).collect();
            writeln!(
                out,
                "| {} | {:.2} s | {:.1} MiB | {ratio} | {} |",
                series.tool,
                m.seconds,
                m.rss_mib,
                rounds.join(" / ")
            )?;
        }
    }
    Ok(out)
}
