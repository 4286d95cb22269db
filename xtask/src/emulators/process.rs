//! Starting, watching and stopping server processes by PID.
//!
//! Each process is spawned directly (never through a shell, so the recorded PID is the server's),
//! in its own process group so a Ctrl-C in the terminal does not reach it, with stdout and stderr
//! in its log file. Its PID and kernel start time go to `run/pids/<name>.pid`, so a recycled PID
//! is never mistaken for it. Stopping sends SIGTERM to the process and every descendant found in
//! `/proc`, waits, then sends SIGKILL to whatever is left: nothing is ever killed by name.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::http::{self, Request};
use super::layout::Layout;

/// How many log lines a failure shows.
const TAIL_LINES: usize = 40;

/// How a started process proves it is ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ready {
    /// Any HTTP answer (even 401 or 404) on `GET http://127.0.0.1:{port}{path}`.
    Http { port: u16, path: &'static str },
    /// A TCP connection to `127.0.0.1:{port}` is accepted.
    Tcp(u16),
    /// The process is still running two seconds after its start (workers without a port; the
    /// server's own hooks then check them through an API).
    Running,
}

impl Ready {
    /// The port the process listens on, if any.
    pub(super) fn port(self) -> Option<u16> {
        match self {
            Self::Http { port, .. } | Self::Tcp(port) => Some(port),
            Self::Running => None,
        }
    }

    fn describe(self) -> String {
        match self {
            Self::Http { port, path } => format!("GET http://127.0.0.1:{port}{path}"),
            Self::Tcp(port) => format!("TCP 127.0.0.1:{port}"),
            Self::Running => "still running after 2 s".to_owned(),
        }
    }

    fn check(self, since: Instant, adopted: bool) -> bool {
        match self {
            Self::Http { port, path } => Request::get(port, path).send().is_ok(),
            Self::Tcp(port) => http::port_open(port),
            Self::Running => adopted || since.elapsed() >= Duration::from_secs(2),
        }
    }
}

/// One server process to start.
#[derive(Debug, Clone)]
pub(super) struct ProcSpec {
    /// Unique process name: the pid file, the log file.
    pub(super) name: String,
    /// The server (as in `cargo xtask emulators up NAME`) the process belongs to.
    pub(super) server: &'static str,
    /// Processes start in phases: 0, then 1 once 0 is ready and its hooks ran, then 2.
    pub(super) phase: u8,
    program: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    cwd: Option<PathBuf>,
    pub(super) ready: Ready,
    timeout: Duration,
}

impl ProcSpec {
    pub(super) fn new(server: &'static str, name: impl Into<String>, program: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            server,
            phase: 0,
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            ready: Ready::Running,
            timeout: Duration::from_secs(60),
        }
    }

    pub(super) fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub(super) fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub(super) fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    pub(super) fn cwd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cwd = Some(dir.into());
        self
    }

    pub(super) fn ready(mut self, ready: Ready, timeout_secs: u64) -> Self {
        self.ready = ready;
        self.timeout = Duration::from_secs(timeout_secs);
        self
    }

    pub(super) fn phase(mut self, phase: u8) -> Self {
        self.phase = phase;
        self
    }

    fn command_line(&self) -> String {
        let mut line = self.program.display().to_string();
        for arg in &self.args {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        line
    }
}

/// A process found through its pid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Record {
    pub(super) name: String,
    pub(super) server: String,
    pub(super) pid: u32,
    start_time: u64,
}

impl Record {
    /// Is the recorded process (the same one: same start time) still running?
    pub(super) fn alive(&self) -> bool {
        stat(self.pid).is_some_and(|s| s.start_time == self.start_time && s.state != 'Z')
    }
}

/// A process started (or found running) during `up`.
#[derive(Debug)]
pub(super) struct Started {
    pub(super) spec: ProcSpec,
    /// `None` when the process was already running before this `up`.
    pub(super) child: Option<Child>,
    since: Instant,
}

/// All pid files.
pub(super) fn records(layout: &Layout) -> Result<Vec<Record>> {
    let mut out = Vec::new();
    let dir = layout.pids();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "pid") {
            let text = std::fs::read_to_string(&path)?;
            let mut words = text.split_whitespace();
            let parsed = (|| {
                Some(Record {
                    pid: words.next()?.parse().ok()?,
                    start_time: words.next()?.parse().ok()?,
                    server: words.next()?.to_owned(),
                    name: words.next()?.to_owned(),
                })
            })();
            match parsed {
                Some(record) => out.push(record),
                None => eprintln!("warning: ignoring malformed pid file {}", path.display()),
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The running record of this process name, if any.
pub(super) fn running(layout: &Layout, name: &str) -> Result<Option<Record>> {
    Ok(records(layout)?.into_iter().find(|r| r.name == name && r.alive()))
}

/// Spawns `spec`, detached from the terminal, logging to its log file, and records its PID.
pub(super) fn spawn(layout: &Layout, spec: ProcSpec) -> Result<Started> {
    if let Some(port) = spec.ready.port()
        && http::port_open(port)
    {
        bail!(
            "cannot start `{}`: 127.0.0.1:{port} is already taken by a process this tool did not start \
             (see `ss -ltnp 'sport = :{port}'`)",
            spec.name
        );
    }
    let log_path = layout.log(&spec.name);
    if log_path.exists() {
        let mut old = log_path.clone().into_os_string();
        old.push(".1");
        std::fs::rename(&log_path, old)?;
    }
    let log = File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0);
    if let Some(dir) = &spec.cwd {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        cmd.current_dir(dir);
    }
    let child = cmd.spawn().with_context(|| format!("starting `{}`: {}", spec.name, spec.command_line()))?;
    let pid = child.id();
    let start_time = stat(pid).map(|s| s.start_time).with_context(|| format!("`{}` vanished at once", spec.name))?;
    let pid_file = layout.pids().join(format!("{}.pid", spec.name));
    std::fs::write(&pid_file, format!("{pid} {start_time} {} {}\n{}\n", spec.server, spec.name, spec.command_line()))
        .with_context(|| format!("writing {}", pid_file.display()))?;
    Ok(Started { spec, child: Some(child), since: Instant::now() })
}

/// A process that was already running: it is only probed.
pub(super) fn adopt(spec: ProcSpec) -> Started {
    Started { spec, child: None, since: Instant::now() }
}

/// Waits until every process is ready; fails with the log's tail when one exits or times out.
pub(super) fn wait_ready(layout: &Layout, started: &mut [Started]) -> Result<()> {
    let mut pending: BTreeSet<usize> = (0..started.len()).collect();
    loop {
        let mut done = Vec::new();
        for &i in &pending {
            let item = &mut started[i];
            if let Some(child) = item.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "`{}` exited ({status}) before it was ready\n{}",
                    item.spec.name,
                    log_tail(&layout.log(&item.spec.name), TAIL_LINES)
                );
            }
            if item.spec.ready.check(item.since, item.child.is_none()) {
                done.push(i);
            } else if item.since.elapsed() > item.spec.timeout {
                bail!(
                    "`{}` was not ready after {} s ({})\n{}",
                    item.spec.name,
                    item.spec.timeout.as_secs(),
                    item.spec.ready.describe(),
                    log_tail(&layout.log(&item.spec.name), TAIL_LINES)
                );
            }
        }
        for i in done {
            pending.remove(&i);
        }
        if pending.is_empty() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Stops these recorded processes and all their descendants: SIGTERM, then SIGKILL after `grace`.
/// Removes their pid files. Fails if a process survives SIGKILL.
pub(super) fn stop(layout: &Layout, records: &[Record], grace: Duration) -> Result<()> {
    let roots: Vec<u32> = records.iter().filter(|r| r.alive()).map(|r| r.pid).collect();
    let mut targets = descendants(&roots);
    if !targets.is_empty() {
        signal("TERM", &targets);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline && targets.iter().any(|&p| pid_alive(p)) {
            std::thread::sleep(Duration::from_millis(100));
        }
        // Children forked during shutdown count too.
        let alive: Vec<u32> = targets.iter().copied().filter(|&p| pid_alive(p)).collect();
        targets.extend(descendants(&alive));
        let left: Vec<u32> = targets.iter().copied().filter(|&p| pid_alive(p)).collect();
        if !left.is_empty() {
            let names: BTreeSet<String> = left.iter().filter_map(|&p| comm(p)).collect();
            eprintln!(
                "    still running {} s after SIGTERM, sending SIGKILL: {}",
                grace.as_secs(),
                names.into_iter().collect::<Vec<_>>().join(" ")
            );
            signal("KILL", &left);
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && left.iter().any(|&p| pid_alive(p)) {
                std::thread::sleep(Duration::from_millis(100));
            }
            let stubborn: Vec<u32> = left.into_iter().filter(|&p| pid_alive(p)).collect();
            if !stubborn.is_empty() {
                bail!("processes {stubborn:?} survived SIGKILL");
            }
        }
    }
    for record in records {
        let pid_file = layout.pids().join(format!("{}.pid", record.name));
        if pid_file.exists() {
            std::fs::remove_file(&pid_file).with_context(|| format!("removing {}", pid_file.display()))?;
        }
    }
    Ok(())
}

/// The last `n` lines of a log file, headed by its path.
pub(super) fn log_tail(path: &Path, n: usize) -> String {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) => return format!("(no log at {}: {err})", path.display()),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = format!("--- last {} lines of {} ---\n", n.min(lines.len()), path.display());
    for line in &lines[lines.len().saturating_sub(n)..] {
        let _ = writeln!(out, "{line}");
    }
    out.push_str("---");
    out
}

/// What `/proc/<pid>/stat` says about a process.
#[derive(Debug, Clone, Copy)]
struct Stat {
    state: char,
    ppid: u32,
    start_time: u64,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        state: fields.first()?.chars().next()?,
        ppid: fields.get(1)?.parse().ok()?,
        // Field 22 of stat(5); `fields` starts at field 3.
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// The process's command name (`/proc/<pid>/comm`).
fn comm(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).ok().map(|s| s.trim().to_owned())
}

fn pid_alive(pid: u32) -> bool {
    stat(pid).is_some_and(|s| s.state != 'Z')
}

/// The given PIDs and all their descendants, from one scan of `/proc`.
fn descendants(roots: &[u32]) -> BTreeSet<u32> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            if let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok())
                && let Some(s) = stat(pid)
            {
                children.entry(s.ppid).or_default().push(pid);
            }
        }
    }
    let mut out = BTreeSet::new();
    let mut queue: Vec<u32> = roots.to_vec();
    while let Some(pid) = queue.pop() {
        if out.insert(pid) {
            queue.extend(children.get(&pid).into_iter().flatten().copied());
        }
    }
    out
}

fn signal<'a>(sig: &str, pids: impl IntoIterator<Item = &'a u32>) {
    let pids: Vec<String> = pids.into_iter().map(u32::to_string).collect();
    if pids.is_empty() {
        return;
    }
    // Some may have exited meanwhile: `kill` then reports them and fails; that is fine.
    let _ =
        Command::new("kill").arg(format!("-{sig}")).args(&pids).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_stat() {
        let me = stat(std::process::id()).expect("own /proc stat");
        assert_ne!(me.state, 'Z');
        assert!(me.start_time > 0);
        assert!(descendants(&[me.ppid]).contains(&std::process::id()));
    }

    #[test]
    fn tail_keeps_last_lines() {
        let dir = std::env::temp_dir().join(format!("xtask-tail-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("x.log");
        std::fs::write(&log, (1..=50).map(|i| format!("line {i}\n")).collect::<String>()).unwrap();
        let tail = log_tail(&log, 3);
        assert!(tail.contains("line 48\nline 49\nline 50\n"), "{tail}");
        assert!(!tail.contains("line 47\n"), "{tail}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
