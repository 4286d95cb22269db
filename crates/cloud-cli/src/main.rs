//! `cloud`: object storage on S3, GCS, Azure, Swift and local directories from a terminal, with
//! one syntax; and the servers and DNS zones of an OpenStack project (`cloud compute`,
//! `cloud dns`).
//!
//! Every command takes local paths or URLs that `cloud::storage::open_async` understands
//! (`s3://bucket/prefix`, `gs://bucket/prefix`, `az://container/prefix`,
//! `swift://container/prefix`, `file:///dir`, `memory://bucket`); the credentials come from the
//! environment the library crates read (`AWS_*`, `OS_CLOUD` and `clouds.yaml`, `OS_*`,
//! `AZURE_STORAGE_*`, `GOOGLE_APPLICATION_CREDENTIALS`), never from the command line. `compute`
//! and `dns` connect as `InfomaniakCloud::from_env` does (`OS_CLOUD` and `clouds.yaml`, `OS_*`,
//! `INFOMANIAK_*`). See the crate README for the exit codes.

mod commands;
mod compute;
mod dns;
mod exit;
mod output;
mod progress;
mod target;
mod transfer;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

/// Object storage on S3, GCS, Azure, Swift and local directories, with one syntax; servers and DNS
/// zones on OpenStack.
#[derive(Debug, Parser)]
#[command(name = "cloud", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options of every command.
#[derive(Debug, Args)]
struct Global {
    /// No progress bars and no summaries on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Progress bars even when stderr is not a terminal.
    #[arg(long, global = true, conflicts_with = "quiet")]
    progress: bool,
    /// How many objects a recursive command transfers at once.
    #[arg(short = 'j', long, global = true, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: u16,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Lists buckets, or the objects and common prefixes under a URL.
    Ls {
        /// `s3://bucket/prefix`, `swift://container/prefix`, `file:///dir` (no bucket: the buckets).
        url: String,
        /// Every object under the prefix, without rolling keys up at `/`.
        #[arg(short, long)]
        recursive: bool,
        /// Sizes and modification dates.
        #[arg(short, long)]
        long: bool,
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Copies a file or object (or, with `-r`, everything under a directory or prefix).
    Cp(TransferArgs),
    /// Moves: copies, then deletes the source.
    Mv(TransferArgs),
    /// Makes DST hold what SRC holds: copies what is missing or differs (size, then ETag or
    /// modification time).
    Sync {
        /// A local directory or a URL prefix.
        src: String,
        /// A local directory or a URL prefix.
        dst: String,
        /// Prints what would be copied and deleted, and changes nothing.
        #[arg(short = 'n', long)]
        dry_run: bool,
        /// Deletes what DST holds and SRC does not.
        #[arg(long)]
        delete: bool,
    },
    /// Deletes an object (or, with `-r`, every object under a prefix).
    Rm {
        /// The object's URL, or a prefix with `-r`.
        url: String,
        /// Every object under the prefix.
        #[arg(short, long)]
        recursive: bool,
    },
    /// Writes an object to stdout.
    Cat {
        /// The object's URL.
        url: String,
    },
    /// Prints an object's size, date, ETag, content type and metadata.
    Stat {
        /// The object's URL.
        url: String,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Makes a bucket.
    Mb {
        /// `s3://bucket`, `swift://container`.
        url: String,
    },
    /// Removes an empty bucket.
    Rb {
        /// `s3://bucket`, `swift://container`.
        url: String,
    },
    /// Prints a URL that lets anyone holding it download (or upload) one object until it expires.
    Presign {
        /// The object's URL.
        url: String,
        /// How long the URL works: `90s`, `15m`, `1h`, `7d` (a bare number is seconds).
        #[arg(long, default_value = "1h", value_parser = parse_duration)]
        expires: Duration,
        /// A URL for uploading (PUT) instead of downloading (GET).
        #[arg(long)]
        put: bool,
    },
    /// Servers of the OpenStack project (`OS_CLOUD` or `OS_*`): list, start, stop.
    #[command(subcommand)]
    Compute(compute::ComputeCommand),
    /// DNS zones of the OpenStack project (`OS_CLOUD` or `OS_*`) and their records.
    #[command(subcommand)]
    Dns(dns::DnsCommand),
}

impl Command {
    /// Which services the command talks to.
    fn area(&self) -> exit::Area {
        match self {
            Self::Compute(_) => exit::Area::Compute,
            Self::Dns(_) => exit::Area::Dns,
            _ => exit::Area::Storage,
        }
    }
}

/// The arguments of `cp` and `mv`.
#[derive(Debug, Args)]
struct TransferArgs {
    /// A local path or a URL.
    src: String,
    /// A local path or a URL; ending with `/` (or an existing directory) receives SRC's name.
    dst: String,
    /// Everything under the directory or prefix SRC.
    #[arg(short, long)]
    recursive: bool,
}

/// `90s`, `15m`, `1h`, `7d`, or a number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().map_err(|_| format!("{text:?} is not a duration such as 90s, 15m, 1h or 7d"))?;
    let seconds = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("unknown unit {unit:?} in {text:?}: use s, m, h or d")),
    };
    n.checked_mul(seconds).map(Duration::from_secs).ok_or_else(|| format!("{text:?} is too long"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let area = cli.command.area();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cloud: cannot start the async runtime: {e}");
            return ExitCode::from(exit::UNEXPECTED);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cloud: {}", exit::message(&error, area));
            ExitCode::from(exit::code(error.kind()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("1y").is_err());
        assert!(parse_duration("h").is_err());
    }
}
