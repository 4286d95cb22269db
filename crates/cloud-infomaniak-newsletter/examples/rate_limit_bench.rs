//! Benchmark (not a test): how close the client gets to Infomaniak's 60 requests per minute
//! without being refused.
//!
//! A loopback server enforces the limit exactly (at most 60 requests in any 60-second window,
//! counted at arrival) and answers `429 Too Many Requests` beyond it. Many tasks share one
//! `NewsletterClient` and call as fast as it lets them for the whole run. The report gives the
//! requests served, the share of the budget they used, and the 429s the server had to send.
//!
//! ```text
//! cargo run --release -p cloud-infomaniak-newsletter --example rate_limit_bench          # 180 s
//! cargo run --release -p cloud-infomaniak-newsletter --example rate_limit_bench -- 61    # a 61 s run
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cloud_contract_testing::server::{Reply, Server};
use cloud_infomaniak_newsletter::{NewsletterClient, RATE_LIMIT_REQUESTS, RATE_LIMIT_WINDOW};
use serde_json::json;
use tokio::time::Instant;

/// Tasks calling concurrently through the one client.
const WORKERS: usize = 16;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(180);
    let run = Duration::from_secs(seconds);
    let limit = RATE_LIMIT_REQUESTS as usize;

    let group = json!({"result": "success", "data": {"id": 7, "name": "Customers", "updated_at": 1_706_531_189}});
    let too_many = Reply::json(429, &json!({"result": "error", "error": {"code": "too_many_requests"}}))
        .with_header("Retry-After", "1");
    let (server, counts) = Server::rate_limited(limit, RATE_LIMIT_WINDOW, Reply::json(200, &group), too_many).await;

    let client = NewsletterClient::builder()
        .with_token("bench-token")
        .with_domain_id(4321)
        .with_base_url(server.base_url())
        // A caller may wait up to one budget window for its turn, and that wait counts against the
        // request's timeout: allow two windows.
        .with_timeout(2 * RATE_LIMIT_WINDOW)
        .build()?;
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
                    match tokio::time::timeout_at(deadline, client.get_mailing_list(7)).await {
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

    // The budget of the run: 60 per started minute (the windows [0, 60), [60, 120) … that begin
    // before the end), which is the most any client can get without a 429.
    let windows = run.as_secs_f64() / RATE_LIMIT_WINDOW.as_secs_f64();
    let budget = (windows.ceil() as u64) * limit as u64;
    let served = counts.served();
    println!("run:                 {elapsed:.2?} with {WORKERS} concurrent callers");
    println!("requests completed:  {}", completed.load(Ordering::Relaxed));
    println!("requests served:     {served}");
    println!("budget (60 / min):   {budget}");
    println!("share of the budget: {:.1} %", 100.0 * served as f64 / budget as f64);
    println!("sustained rate:      {:.3} requests/s (limit {:.3}/s)", served as f64 / elapsed.as_secs_f64(), 1.0);
    println!("429 answers:         {}", counts.refused());
    println!("failed calls:        {}", failed.load(Ordering::Relaxed));
    Ok(())
}
