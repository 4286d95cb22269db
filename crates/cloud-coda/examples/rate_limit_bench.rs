//! Benchmark (not a test): how close the client gets to Coda's read limit without being refused.
//!
//! A loopback server enforces Coda's documented read limit exactly (at most 100 requests in any
//! 6-second window, counted at arrival) and answers `429 Too Many Requests` beyond it. Many tasks
//! share one `CodaClient` and read as fast as it lets them for the whole run. The report gives the
//! reads served, the share of the budget they used, and the 429s the server had to send.
//!
//! ```text
//! cargo run --release -p cloud-coda --example rate_limit_bench            # 60 s
//! cargo run --release -p cloud-coda --example rate_limit_bench -- 13      # a 13 s run
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cloud_coda::CodaClient;
use cloud_contract_testing::server::{Reply, Server};
use serde_json::json;
use tokio::time::Instant;

/// Coda's documented read limit.
const LIMIT: usize = 100;
const WINDOW: Duration = Duration::from_secs(6);
/// Tasks reading concurrently through the one client.
const WORKERS: usize = 32;

fn doc() -> serde_json::Value {
    json!({
        "id": "AbCDeFGH", "type": "doc", "href": "https://coda.io/apis/v1/docs/AbCDeFGH",
        "browserLink": "https://coda.io/d/_dAbCDeFGH", "name": "Bench", "owner": "user@example.com",
        "ownerName": "Some User", "createdAt": "2018-04-11T00:18:57.946Z", "updatedAt": "2018-04-11T00:18:59.221Z",
        "workspace": {"id": "ws-1", "type": "workspace", "browserLink": "https://coda.io/docs?workspaceId=ws-1"},
        "folder": {"id": "fl-1", "type": "folder", "browserLink": "https://coda.io/docs?folderId=fl-1"}
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(60);
    let run = Duration::from_secs(seconds);

    // The server: a sliding window over arrivals, exactly as strict as the documented limit.
    let ok = Reply::json(200, &doc());
    let too_many = Reply::json(
        429,
        &json!({"statusCode": 429, "statusMessage": "Too Many Requests", "message": "Too Many Requests"}),
    )
    .with_header("Retry-After", "1");
    let (server, counts) = Server::rate_limited(LIMIT, WINDOW, ok, too_many).await;

    let client = CodaClient::builder().with_token("bench-token").with_base_url(server.base_url()).build()?;
    let started = Instant::now();
    let deadline = started + run;
    let completed = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (client, completed, failed) = (client.clone(), completed.clone(), failed.clone());
            tokio::spawn(async move {
                loop {
                    // Give up on a call still waiting for the budget when the run ends.
                    match tokio::time::timeout_at(deadline, client.get_doc("AbCDeFGH")).await {
                        Ok(Ok(_)) => completed.fetch_add(1, Ordering::Relaxed),
                        Ok(Err(err)) => {
                            eprintln!("error: {err}");
                            failed.fetch_add(1, Ordering::Relaxed)
                        }
                        Err(_) => break,
                    };
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await?;
    }
    let elapsed = started.elapsed();

    // The budget of the run: LIMIT per started WINDOW (the windows [0, 6), [6, 12) … that begin
    // before the end), which is the most any client can get without a 429.
    let windows = run.as_secs_f64() / WINDOW.as_secs_f64();
    let budget = (windows.ceil() as u64) * LIMIT as u64;
    let served = counts.served();
    println!("run:                 {elapsed:.2?} with {WORKERS} concurrent readers");
    println!("reads completed:     {}", completed.load(Ordering::Relaxed));
    println!("reads served:        {served}");
    println!("budget (100 / 6 s):  {budget}");
    println!("share of the budget: {:.1} %", 100.0 * served as f64 / budget as f64);
    println!(
        "sustained rate:      {:.2} reads/s (limit {:.2}/s)",
        served as f64 / elapsed.as_secs_f64(),
        LIMIT as f64 / WINDOW.as_secs_f64()
    );
    println!("429 answers:         {}", counts.refused());
    println!("failed calls:        {}", failed.load(Ordering::Relaxed));
    Ok(())
}
