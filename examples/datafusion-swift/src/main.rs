//! DataFusion runs SQL over a CSV and a Parquet file stored in OpenStack Swift.
//!
//! The files are written to Swift with `cloud-infomaniak-openstack`'s `SwiftClient`; DataFusion
//! reads them through `cloud-core`'s `object_store` adapter (`BucketStore`), registered for the
//! URL `swift://<container>/`. DataFusion 55 is built on `object_store` 0.13, so this uses the
//! adapter's 0.13 build (feature `object-store-0-13`).
//!
//! Credentials come from the environment as `InfomaniakConfig::from_env` reads them
//! (`OS_CLOUD` and its `clouds.yaml`, the `OS_*` variables of an openrc file, or
//! `INFOMANIAK_APP_CREDENTIAL_ID`/`_SECRET`). `cargo xtask example datafusion` starts a local
//! Keystone and Swift, runs this with their settings and checks what it prints.
//!
//! The data is generated here, so the output is the same on every run: 10 000 orders of four
//! regions, with amounts in cents.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use cloud_core::adapter::object_store_0_13::BucketStore;
use cloud_core::{StorageClient, StorageClientExt};
use cloud_infomaniak_openstack::{InfomaniakCloud, InfomaniakConfig};
use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use url::Url;

/// The container the example writes to (created if missing).
const CONTAINER: &str = "cloud-example-datafusion";
/// How many orders the files hold.
const ORDERS: i64 = 10_000;
const REGIONS: [&str; 4] = ["north", "east", "south", "west"];

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let cloud = InfomaniakCloud::connect(InfomaniakConfig::from_env()?).await?;
    let swift: Arc<dyn StorageClient> = Arc::new(cloud.swift());
    swift.ensure_bucket(CONTAINER).await?;
    // Each run writes under a prefix of its own, deleted at the end.
    let run = format!("run-{}", SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos());
    let outcome = query(&swift, &run).await;
    swift.delete_prefix(CONTAINER, &format!("{run}/")).await?;
    print!("{}", outcome?);
    Ok(())
}

/// Uploads the files under `run/`, queries them and returns what to print.
async fn query(swift: &Arc<dyn StorageClient>, run: &str) -> Result<String, BoxError> {
    let orders = orders();
    swift.put_bytes(CONTAINER, &format!("{run}/orders.csv"), csv(&orders)).await?;
    swift.put_bytes(CONTAINER, &format!("{run}/orders.parquet"), parquet(&batch(&orders)?)?).await?;

    let ctx = SessionContext::new();
    let store = BucketStore::new(Arc::clone(swift), CONTAINER).with_prefix(run)?;
    let base = Url::parse(&format!("swift://{CONTAINER}/"))?;
    ctx.register_object_store(&base, Arc::new(store));
    ctx.register_csv("orders_csv", base.join("orders.csv")?.as_str(), CsvReadOptions::new()).await?;
    ctx.register_parquet("orders_parquet", base.join("orders.parquet")?.as_str(), ParquetReadOptions::default())
        .await?;

    let mut out = String::new();
    for (title, sql) in [
        (
            "orders per region, from the CSV file",
            "SELECT region, COUNT(*) AS orders, SUM(amount_cents) AS total_cents, MIN(amount_cents) AS smallest, \
             MAX(amount_cents) AS largest FROM orders_csv GROUP BY region ORDER BY region",
        ),
        (
            "orders per region, from the Parquet file",
            "SELECT region, COUNT(*) AS orders, SUM(amount_cents) AS total_cents, MIN(amount_cents) AS smallest, \
             MAX(amount_cents) AS largest FROM orders_parquet GROUP BY region ORDER BY region",
        ),
        (
            "large orders (at least 900.00) per region, Parquet joined with CSV on the order id",
            "SELECT p.region, COUNT(*) AS large_orders, SUM(c.amount_cents) AS total_cents \
             FROM orders_parquet p JOIN orders_csv c ON p.id = c.id \
             WHERE p.amount_cents >= 90000 GROUP BY p.region ORDER BY p.region",
        ),
    ] {
        let batches = ctx.sql(sql).await?.collect().await?;
        writeln!(out, "{title}:\n{}\n", pretty_format_batches(&batches)?)?;
    }
    Ok(out)
}

/// One order: id, region and amount in cents (1.00 to 999.99, spread by a multiplicative step).
struct Order {
    id: i64,
    region: &'static str,
    amount_cents: i64,
}

fn orders() -> Vec<Order> {
    (1..=ORDERS)
        .map(|id| Order { id, region: REGIONS[(id % 4) as usize], amount_cents: 100 + (id * 7919) % 99_900 })
        .collect()
}

/// The orders as CSV with a header line.
fn csv(orders: &[Order]) -> String {
    let mut text = String::from("id,region,amount_cents\n");
    for o in orders {
        let _ = writeln!(text, "{},{},{}", o.id, o.region, o.amount_cents);
    }
    text
}

/// The orders as an Arrow batch.
fn batch(orders: &[Order]) -> Result<RecordBatch, BoxError> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("region", DataType::Utf8, false),
        Field::new("amount_cents", DataType::Int64, false),
    ]));
    let ids = Int64Array::from_iter_values(orders.iter().map(|o| o.id));
    let regions = StringArray::from_iter_values(orders.iter().map(|o| o.region));
    let amounts = Int64Array::from_iter_values(orders.iter().map(|o| o.amount_cents));
    Ok(RecordBatch::try_new(schema, vec![Arc::new(ids), Arc::new(regions), Arc::new(amounts)])?)
}

/// `batch` as a Parquet file.
fn parquet(batch: &RecordBatch) -> Result<Vec<u8>, BoxError> {
    let mut file = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut file, batch.schema(), None)?;
    writer.write(batch)?;
    writer.close()?;
    Ok(file)
}
