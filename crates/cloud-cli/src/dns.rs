//! `cloud dns`: the DNS zones of an OpenStack project and their records (Designate).

use clap::Subcommand;
use cloud::Result;
use cloud::infomaniak_openstack::{InfomaniakCloud, RecordSet, Zone};
use futures::TryStreamExt;
use serde::Serialize;

use crate::output::{print_json, print_table};

/// `cloud dns …`.
#[derive(Debug, Subcommand)]
pub(crate) enum DnsCommand {
    /// Lists the zones: name, id, status, default TTL, administrator's email.
    Zones {
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Lists a zone's records: name, type, TTL and data, one line per record.
    Records {
        /// The zone, by name (`example.org` or `example.org.`) or id.
        zone: String,
        /// One JSON array on stdout, one element per record set.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `cloud dns …`.
pub(crate) async fn run(command: DnsCommand) -> Result<()> {
    let dns = InfomaniakCloud::from_env().await?.designate();
    match command {
        DnsCommand::Zones { json } => {
            let mut zones: Vec<ListedZone> = dns.list_zones().map_ok(ListedZone::from).try_collect().await?;
            zones.sort_by(|a, b| a.name.cmp(&b.name));
            if json {
                return print_json(&zones);
            }
            let rows: Vec<[String; 5]> = zones
                .into_iter()
                .map(|z| [z.name, z.id, z.status, or_dash(z.ttl), z.email.unwrap_or_else(|| "-".to_owned())])
                .collect();
            print_table(["NAME", "ID", "STATUS", "TTL", "EMAIL"], &rows)
        }
        DnsCommand::Records { zone, json } => {
            let zone = dns.get_zone(&zone).await?;
            let mut sets: Vec<ListedRecordSet> =
                dns.list_record_sets(&zone.id).map_ok(ListedRecordSet::from).try_collect().await?;
            sets.sort_by(|a, b| (&a.name, &a.record_type).cmp(&(&b.name, &b.record_type)));
            if json {
                return print_json(&sets);
            }
            let rows: Vec<[String; 4]> = sets
                .into_iter()
                .flat_map(|set| {
                    let ttl = or_dash(set.ttl);
                    set.records
                        .into_iter()
                        .map(move |record| [set.name.clone(), set.record_type.clone(), ttl.clone(), record])
                })
                .collect();
            print_table(["NAME", "TYPE", "TTL", "DATA"], &rows)
        }
    }
}

/// `value`, or `-`.
fn or_dash(value: Option<u32>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// One zone of `dns zones --json`.
#[derive(Debug, Serialize)]
struct ListedZone {
    id: String,
    name: String,
    status: String,
    ttl: Option<u32>,
    email: Option<String>,
    serial: Option<u64>,
    description: Option<String>,
}

impl From<Zone> for ListedZone {
    fn from(z: Zone) -> Self {
        Self {
            id: z.id,
            name: z.name,
            status: z.status,
            ttl: z.ttl,
            email: z.email,
            serial: z.serial,
            description: z.description,
        }
    }
}

/// One record set of `dns records --json`.
#[derive(Debug, Serialize)]
struct ListedRecordSet {
    id: String,
    name: String,
    #[serde(rename = "type")]
    record_type: String,
    /// `None`: the zone's default.
    ttl: Option<u32>,
    records: Vec<String>,
    status: String,
}

impl From<RecordSet> for ListedRecordSet {
    fn from(r: RecordSet) -> Self {
        Self {
            id: r.id,
            name: r.name,
            record_type: r.record_type.to_string(),
            ttl: r.ttl,
            records: r.records,
            status: r.status,
        }
    }
}
