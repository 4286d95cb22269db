//! `cloud-soak [--ops N] [--seed S] [--fault-rate R] [--trace] [--backend NAME]...`: soaks each backend
//! (all by default) through the fault proxy and prints one report per backend; exits 1 when a
//! write was lost or corrupt, an operation hung, or something was left behind unexpectedly.

use std::process::ExitCode;

use cloud_soak::{BACKENDS, Settings, run, target};

const USAGE: &str = "usage: cloud-soak [--ops N] [--seed S] [--fault-rate R] [--trace] [--backend NAME]...";

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok((settings, backends)) => soak(&settings, &backends),
        Err(message) => {
            eprintln!("{message}\n{USAGE}\nbackends: {}", BACKENDS.join(", "));
            ExitCode::from(2)
        }
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<(Settings, Vec<String>), String> {
    let mut settings = Settings::new(10_000, 1);
    let mut backends = Vec::new();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--ops" => settings.ops = value("--ops")?.parse().map_err(|e| format!("--ops: {e}"))?,
            "--seed" => settings.seed = value("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--fault-rate" => {
                settings.fault_rate = value("--fault-rate")?.parse().map_err(|e| format!("--fault-rate: {e}"))?;
                if !(0.0..=1.0).contains(&settings.fault_rate) {
                    return Err("--fault-rate must be between 0 and 1".to_owned());
                }
            }
            "--trace" => settings.trace = true,
            "--backend" => {
                for name in value("--backend")?.split(',') {
                    if !BACKENDS.contains(&name) {
                        return Err(format!("unknown backend {name:?}"));
                    }
                    backends.push(name.to_owned());
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if backends.is_empty() {
        backends = BACKENDS.iter().map(|b| (*b).to_owned()).collect();
    }
    Ok((settings, backends))
}

/// Soaks every backend at once (each is sequential; they share nothing) and prints the reports.
fn soak(settings: &Settings, backends: &[String]) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let results = runtime.block_on(async {
        let runs = backends.iter().map(|name| async move {
            let target = target(name).await?;
            run(&target, settings).await
        });
        futures::future::join_all(runs).await
    });
    let mut passed = true;
    println!(
        "soak: {} operations per backend, seed {}, faults in {:.0} % of operations",
        settings.ops,
        settings.seed,
        settings.fault_rate * 100.0
    );
    for (name, result) in backends.iter().zip(results) {
        match result {
            Ok(report) => {
                passed &= report.passed();
                println!("{report}");
            }
            Err(message) => {
                passed = false;
                println!("{name}: ERROR: {message}\n");
            }
        }
    }
    if passed { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
