//! `cloud compute`: the servers of an OpenStack project (Nova): list, start, stop.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use clap::{Args, Subcommand};
use cloud::infomaniak_openstack::{InfomaniakCloud, NovaClient, Server};
use cloud::{Error, Result};
use futures::TryStreamExt;
use serde::Serialize;

use crate::output::{print_json, print_table};

/// `cloud compute …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ComputeCommand {
    /// Lists the servers: id, name and status (with `-l`, flavor and addresses too).
    Ls {
        /// Flavor and addresses too.
        #[arg(short, long)]
        long: bool,
        /// One JSON array on stdout, every field.
        #[arg(long)]
        json: bool,
    },
    /// Starts stopped servers (Nova's `os-start`).
    Start(PowerArgs),
    /// Stops running servers (Nova's `os-stop`).
    Stop(PowerArgs),
}

/// The arguments of `start` and `stop`.
#[derive(Debug, Args)]
pub(crate) struct PowerArgs {
    /// Servers by name or id; a name that several servers share needs the id instead.
    #[arg(required = true, value_name = "SERVER")]
    servers: Vec<String>,
    /// Waits until every server is `ACTIVE` (start) or `SHUTOFF` (stop).
    #[arg(short, long)]
    wait: bool,
    /// How long `--wait` waits: `90s`, `5m`, `1h` (a bare number is seconds).
    #[arg(long, default_value = "5m", value_parser = crate::parse_duration, requires = "wait")]
    timeout: Duration,
}

/// What `start` and `stop` do.
#[derive(Debug, Clone, Copy)]
enum Power {
    Start,
    Stop,
}

impl Power {
    /// The verb, for messages.
    fn verb(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
        }
    }

    /// Nova's status once the action is done.
    fn target(self) -> &'static str {
        match self {
            Self::Start => "ACTIVE",
            Self::Stop => "SHUTOFF",
        }
    }
}

/// Runs `cloud compute …`.
pub(crate) async fn run(command: ComputeCommand, quiet: bool) -> Result<()> {
    let nova = InfomaniakCloud::from_env().await?.nova();
    match command {
        ComputeCommand::Ls { long, json } => ls(&nova, long, json).await,
        ComputeCommand::Start(args) => power(&nova, Power::Start, &args, quiet).await,
        ComputeCommand::Stop(args) => power(&nova, Power::Stop, &args, quiet).await,
    }
}

/// One server of `compute ls --json`.
#[derive(Debug, Serialize)]
struct Listed {
    id: String,
    name: String,
    status: String,
    /// The flavor's id (or name, when Nova gives only the name).
    flavor: Option<String>,
    /// The flavor's name, when the id is one of the project's flavors.
    flavor_name: Option<String>,
    /// Addresses by network name.
    addresses: BTreeMap<String, Vec<String>>,
    image: Option<String>,
    availability_zone: Option<String>,
    created_at: Option<String>,
}

async fn ls(nova: &NovaClient, long: bool, json: bool) -> Result<()> {
    let mut servers: Vec<Server> = nova.list_servers().try_collect().await?;
    servers.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    // Nova names the flavor by id; one listing of the flavors gives their names.
    let flavors: HashMap<String, String> =
        if long || json { nova.list_flavors().map_ok(|f| (f.id, f.name)).try_collect().await? } else { HashMap::new() };
    let listed: Vec<Listed> = servers
        .into_iter()
        .map(|s| Listed {
            flavor_name: s.flavor.as_ref().and_then(|id| flavors.get(id)).cloned(),
            id: s.id,
            name: s.name,
            status: s.status,
            flavor: s.flavor,
            addresses: s.addresses,
            image: s.image,
            availability_zone: s.availability_zone,
            created_at: s.created_at.map(|t| t.to_rfc3339()),
        })
        .collect();
    if json {
        return print_json(&listed);
    }
    if long {
        let rows: Vec<[String; 5]> = listed
            .into_iter()
            .map(|s| {
                let flavor = s.flavor_name.or(s.flavor).unwrap_or_else(|| "-".to_owned());
                [s.id, s.name, s.status, flavor, addresses(&s.addresses)]
            })
            .collect();
        print_table(["ID", "NAME", "STATUS", "FLAVOR", "ADDRESSES"], &rows)
    } else {
        let rows: Vec<[String; 3]> = listed.into_iter().map(|s| [s.id, s.name, s.status]).collect();
        print_table(["ID", "NAME", "STATUS"], &rows)
    }
}

/// `net1=10.0.0.5,fd00::5 net2=192.0.2.7`, or `-`.
fn addresses(by_network: &BTreeMap<String, Vec<String>>) -> String {
    if by_network.is_empty() {
        return "-".to_owned();
    }
    by_network.iter().map(|(net, addrs)| format!("{net}={}", addrs.join(","))).collect::<Vec<_>>().join(" ")
}

/// The one server `arg` names among `servers` (`id_name` gives a server's id and name): the
/// server with that id, else the only one with that name.
///
/// # Errors
/// `NotFound` when none matches; `InvalidInput` when several servers have that name.
fn resolve<'a, T>(servers: &'a [T], arg: &str, id_name: impl Fn(&T) -> (&str, &str)) -> Result<&'a T> {
    if let Some(server) = servers.iter().find(|s| id_name(s).0 == arg) {
        return Ok(server);
    }
    let named: Vec<&T> = servers.iter().filter(|s| id_name(s).1 == arg).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::not_found(format!("no server has the name or id {arg:?}"))),
        several => {
            let ids: Vec<&str> = several.iter().map(|s| id_name(s).0).collect();
            Err(Error::invalid_input(format!(
                "{} servers are named {arg:?} ({}): give the id of the one you mean",
                several.len(),
                ids.join(", ")
            )))
        }
    }
}

/// `start` and `stop`: every name is resolved before anything is sent, so a typo changes
/// nothing; a server already in the target state is left alone.
async fn power(nova: &NovaClient, power: Power, args: &PowerArgs, quiet: bool) -> Result<()> {
    let servers: Vec<Server> = nova.list_servers().try_collect().await?;
    let mut chosen: Vec<&Server> = Vec::with_capacity(args.servers.len());
    for arg in &args.servers {
        let server = resolve(&servers, arg, |s| (s.id.as_str(), s.name.as_str()))?;
        if !chosen.iter().any(|c| c.id == server.id) {
            chosen.push(server);
        }
    }
    let say = |line: String| {
        if !quiet {
            eprintln!("{line}");
        }
    };
    let mut sent = Vec::with_capacity(chosen.len());
    for server in chosen {
        let who = format!("{} ({})", server.name, server.id);
        if server.status.eq_ignore_ascii_case(power.target()) {
            say(format!("{who} is already {}", power.target()));
            continue;
        }
        let action = match power {
            Power::Start => nova.start_server(&server.id).await,
            Power::Stop => nova.stop_server(&server.id).await,
        };
        action.map_err(|e| e.with_operation(format!("{} {who}", power.verb())))?;
        if !args.wait {
            say(format!("{who}: {} accepted; `cloud compute ls` shows when it is {}", power.verb(), power.target()));
        }
        sent.push((server.id.as_str(), who));
    }
    if args.wait {
        let waits = sent.iter().map(|(id, who)| async move {
            nova.wait_for_server(id, power.target(), args.timeout)
                .await
                .map_err(|e| e.with_operation(format!("wait for {who} to be {}", power.target())))?;
            say(format!("{who} is {}", power.target()));
            Ok::<_, Error>(())
        });
        futures::future::try_join_all(waits).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud::ErrorKind;

    const SERVERS: [(&str, &str); 4] = [("id-1", "web"), ("id-2", "web"), ("id-3", "db"), ("id-4", "id-3")];

    fn pick(arg: &str) -> Result<&'static str> {
        resolve(&SERVERS, arg, |s| *s).map(|s| s.0)
    }

    #[test]
    fn servers_are_found_by_id_first_then_by_a_unique_name() {
        assert_eq!(pick("db").unwrap(), "id-3");
        assert_eq!(pick("id-2").unwrap(), "id-2");
        // An id wins over a server named like it.
        assert_eq!(pick("id-3").unwrap(), "id-3");
        let missing = pick("mail").unwrap_err();
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        assert!(missing.message().contains("\"mail\""), "{missing}");
    }

    #[test]
    fn a_name_shared_by_several_servers_is_refused_with_their_ids() {
        let shared = pick("web").unwrap_err();
        assert_eq!(shared.kind(), ErrorKind::InvalidInput);
        assert!(shared.message().contains("2 servers are named \"web\" (id-1, id-2)"), "{shared}");
    }

    #[test]
    fn addresses_read_by_network() {
        assert_eq!(addresses(&BTreeMap::new()), "-");
        let nets = BTreeMap::from([
            ("b".to_owned(), vec!["192.0.2.7".to_owned()]),
            ("a".to_owned(), vec!["10.0.0.5".to_owned(), "fd00::5".to_owned()]),
        ]);
        assert_eq!(addresses(&nets), "a=10.0.0.5,fd00::5 b=192.0.2.7");
    }
}
