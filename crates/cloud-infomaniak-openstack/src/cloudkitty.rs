//! CloudKitty: [`CloudKittyClient`] — rated usage (what resources cost) summed by resource type
//! and period, the billing summary.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use cloud_core::{Error, Result};
use http::Method;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::PROVIDER;
use crate::session::{InfomaniakCloud, Service};

const PAGE: usize = 100;

/// Rated usage (CloudKitty) of one session's project.
///
/// CloudKitty rates what the cloud collected (instances, volumes, images, traffic …) per period
/// (an hour by default) and stores one price per resource and period; this client reads it back
/// summed: [`summary`](Self::summary) (`/v2/summary`, grouped by any of its keys, per period with
/// [`SummaryGroup::Period`]), [`report_summary`](Self::report_summary) (`/v1/report/summary`, by
/// resource type) and [`report_total`](Self::report_total). [`billing_summary`](Self::billing_summary)
/// puts them together: the total of a period, per resource type and per type and rating period.
/// A project member sees their project's figures; an administrator sees every project's.
///
/// ```no_run
/// # async fn run(cloud: cloud_infomaniak_openstack::InfomaniakCloud) -> cloud_core::Result<()> {
/// use chrono::{Duration, Utc};
///
/// let end = Utc::now();
/// let bill = cloud.cloudkitty().billing_summary(end - Duration::days(30), end).await?;
/// for (kind, price) in &bill.by_type {
///     println!("{kind}: {price:.2}");
/// }
/// println!("total: {:.2}", bill.total);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CloudKittyClient {
    session: InfomaniakCloud,
}

impl fmt::Debug for CloudKittyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudKittyClient").field("session", &self.session).finish()
    }
}

/// What [`CloudKittyClient::summary`] groups by.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SummaryGroup {
    /// The resource type (`instance`, `volume.size` …).
    Type,
    /// The rating period (one row per period).
    Period,
    /// The project.
    Project,
    /// Any other key CloudKitty groups by (`user_id`, `id` …).
    Key(String),
}

impl SummaryGroup {
    fn as_query(&self) -> &str {
        match self {
            Self::Type => "type",
            Self::Period => "time",
            Self::Project => "project_id",
            Self::Key(key) => key,
        }
    }
}

/// One row of a summary: a quantity and its price over `begin..end`, for one group.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct SummaryRow {
    /// The start of the period.
    pub begin: String,
    /// The end of the period.
    pub end: String,
    /// The quantity (in the metric's unit).
    #[serde(deserialize_with = "number")]
    pub qty: f64,
    /// The price.
    #[serde(deserialize_with = "number")]
    pub rate: f64,
    /// The resource type, when grouped by it.
    #[serde(default, rename = "type")]
    pub resource_type: Option<String>,
    /// The project, when grouped by it.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Any other group key.
    #[serde(flatten)]
    pub groups: BTreeMap<String, Option<String>>,
}

/// One row of [`CloudKittyClient::report_summary`]: the price of one resource type over the
/// period.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ReportRow {
    /// The start of the period.
    pub begin: String,
    /// The end of the period.
    pub end: String,
    /// The project (`ALL` across projects).
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// The resource type (`ALL` unless grouped by it).
    #[serde(default)]
    pub res_type: Option<String>,
    /// The price.
    #[serde(deserialize_with = "number")]
    pub rate: f64,
}

/// The billing summary of a period: [`CloudKittyClient::billing_summary`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BillingSummary {
    /// The start of the period.
    pub begin: DateTime<Utc>,
    /// The end of the period.
    pub end: DateTime<Utc>,
    /// The total price.
    pub total: f64,
    /// The price per resource type.
    pub by_type: BTreeMap<String, f64>,
    /// The price and quantity per resource type and rating period.
    pub rows: Vec<SummaryRow>,
}

/// Rated usage of one period, for [`CloudKittyClient::add_dataframes`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DataFrame {
    /// The period.
    pub period: Period,
    /// Rated points per resource type.
    pub usage: BTreeMap<String, Vec<RatedPoint>>,
}

impl DataFrame {
    /// An empty frame for `begin..end`.
    pub fn new(begin: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self { period: Period { begin: iso(begin), end: iso(end) }, usage: BTreeMap::new() }
    }

    /// Adds a point of `resource_type`.
    #[must_use]
    pub fn point(mut self, resource_type: &str, point: RatedPoint) -> Self {
        self.usage.entry(resource_type.to_owned()).or_default().push(point);
        self
    }
}

/// A rating period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Period {
    /// Its start.
    pub begin: String,
    /// Its end.
    pub end: String,
}

/// One rated resource in a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct RatedPoint {
    /// The quantity.
    pub vol: Quantity,
    /// The price.
    pub rating: Rating,
    /// What the point is grouped by (`project_id`, `id` …).
    pub groupby: BTreeMap<String, String>,
    /// Descriptive metadata (`flavor_name` …).
    pub metadata: BTreeMap<String, String>,
}

impl RatedPoint {
    /// `qty` of `unit` priced `price`, for resource `id` of `project_id`.
    pub fn new(project_id: &str, id: &str, unit: &str, qty: f64, price: f64) -> Self {
        Self {
            vol: Quantity { unit: unit.to_owned(), qty },
            rating: Rating { price },
            groupby: BTreeMap::from([
                ("project_id".to_owned(), project_id.to_owned()),
                ("id".to_owned(), id.to_owned()),
            ]),
            metadata: BTreeMap::new(),
        }
    }
}

/// A quantity.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Quantity {
    /// Its unit.
    pub unit: String,
    /// Its amount.
    pub qty: f64,
}

/// A price.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Rating {
    /// The price.
    pub price: f64,
}

#[derive(Serialize)]
struct DataFrames<'a> {
    dataframes: &'a [DataFrame],
}

#[derive(Deserialize)]
struct SummaryPage {
    total: usize,
    results: Vec<SummaryRow>,
}

#[derive(Deserialize)]
struct ReportSummary {
    summary: Vec<ReportRow>,
}

/// A number CloudKitty writes as a number or as text (`"5.25"`).
fn number<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wire {
        Float(f64),
        Text(String),
        Null(()),
    }
    match Wire::deserialize(deserializer)? {
        Wire::Float(n) => Ok(n),
        Wire::Text(t) => t.parse().map_err(serde::de::Error::custom),
        Wire::Null(()) => Ok(0.0),
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn check_period(begin: DateTime<Utc>, end: DateTime<Utc>) -> Result<()> {
    if end <= begin {
        return Err(
            Error::invalid_input(format!("the period ends ({end}) before it starts ({begin})")).with_provider(PROVIDER)
        );
    }
    Ok(())
}

impl CloudKittyClient {
    pub(crate) fn new(session: InfomaniakCloud) -> Self {
        Self { session }
    }

    /// The session this client uses.
    pub fn session(&self) -> &InfomaniakCloud {
        &self.session
    }

    /// The rated usage from `begin` to `end` grouped by `groups` (`/v2/summary`; every page).
    ///
    /// # Errors
    /// `InvalidInput` when `end` is not after `begin` (before sending).
    pub async fn summary(
        &self,
        begin: DateTime<Utc>,
        end: DateTime<Utc>,
        groups: &[SummaryGroup],
    ) -> Result<Vec<SummaryRow>> {
        check_period(begin, end)?;
        let mut rows = Vec::new();
        loop {
            let mut call = self
                .session
                .request(Service::Rating, Method::GET, "v2/summary")
                .operation("summary")
                .query("begin", iso(begin))
                .query("end", iso(end))
                .query("response_format", "object")
                .query("offset", rows.len().to_string())
                .query("limit", PAGE.to_string());
            for g in groups {
                call = call.query("groupby", g.as_query());
            }
            let page: SummaryPage = call.send().await?.json()?;
            let got = page.results.len();
            rows.extend(page.results);
            if got == 0 || rows.len() >= page.total {
                return Ok(rows);
            }
        }
    }

    /// The price from `begin` to `end` per resource type (`/v1/report/summary`).
    ///
    /// # Errors
    /// `InvalidInput` when `end` is not after `begin` (before sending).
    pub async fn report_summary(&self, begin: DateTime<Utc>, end: DateTime<Utc>) -> Result<Vec<ReportRow>> {
        check_period(begin, end)?;
        let summary: ReportSummary = self
            .session
            .request(Service::Rating, Method::GET, "v1/report/summary")
            .operation("report_summary")
            .query("begin", iso(begin))
            .query("end", iso(end))
            .query("groupby", "res_type")
            .send()
            .await?
            .json()?;
        Ok(summary.summary)
    }

    /// The total price from `begin` to `end`, of one resource type with `Some`
    /// (`/v1/report/total`).
    ///
    /// # Errors
    /// `InvalidInput` when `end` is not after `begin` (before sending).
    pub async fn report_total(
        &self,
        begin: DateTime<Utc>,
        end: DateTime<Utc>,
        resource_type: Option<&str>,
    ) -> Result<f64> {
        check_period(begin, end)?;
        #[derive(Deserialize)]
        struct Total(#[serde(deserialize_with = "number")] f64);
        let total: Total = self
            .session
            .request(Service::Rating, Method::GET, "v1/report/total")
            .operation("report_total")
            .query("begin", iso(begin))
            .query("end", iso(end))
            .query_opt("service", resource_type)
            .send()
            .await?
            .json()?;
        Ok(total.0)
    }

    /// The billing summary from `begin` to `end`: the total, the price per resource type, and
    /// a row per resource type and rating period (one `/v2/summary` listing).
    ///
    /// # Errors
    /// `InvalidInput` when `end` is not after `begin` (before sending).
    pub async fn billing_summary(&self, begin: DateTime<Utc>, end: DateTime<Utc>) -> Result<BillingSummary> {
        let mut rows = self.summary(begin, end, &[SummaryGroup::Type, SummaryGroup::Period]).await?;
        rows.sort_by(|a, b| (&a.begin, &a.resource_type).cmp(&(&b.begin, &b.resource_type)));
        let mut by_type = BTreeMap::new();
        for row in &rows {
            *by_type.entry(row.resource_type.clone().unwrap_or_default()).or_insert(0.0) += row.rate;
        }
        let total = rows.iter().map(|r| r.rate).sum();
        Ok(BillingSummary { begin, end, total, by_type, rows })
    }

    /// Stores rated usage (`POST /v2/dataframes`; administrators only): what CloudKitty's
    /// processor writes after rating what it collected.
    ///
    /// # Errors
    /// `PermissionDenied` without the admin role; `InvalidInput` for an empty list (before
    /// sending).
    pub async fn add_dataframes(&self, frames: &[DataFrame]) -> Result<()> {
        if frames.is_empty() {
            return Err(Error::invalid_input("add_dataframes needs at least one frame").with_provider(PROVIDER));
        }
        self.session
            .request(Service::Rating, Method::POST, "v2/dataframes")
            .operation("add_dataframes")
            .json(&DataFrames { dataframes: frames })
            .send()
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_read_numbers_written_as_text() {
        let report: ReportSummary = serde_json::from_value(serde_json::json!({"summary": [
            {"begin": "b", "end": "e", "tenant_id": "ALL", "res_type": "instance", "rate": "5.25"}
        ]}))
        .unwrap();
        assert!((report.summary[0].rate - 5.25).abs() < 1e-9);
        let page: SummaryPage = serde_json::from_value(serde_json::json!({"total": 1, "format": "object", "results": [
            {"begin": "b", "end": "e", "qty": 6.0, "rate": 5.25, "type": "instance", "user_id": null}
        ]}))
        .unwrap();
        let row = &page.results[0];
        assert_eq!(row.resource_type.as_deref(), Some("instance"));
        assert_eq!(row.groups.get("user_id"), Some(&None));
    }

    #[test]
    fn frames_have_cloudkittys_shape() {
        let t = DateTime::parse_from_rfc3339("2026-11-22T00:00:00Z").unwrap().with_timezone(&Utc);
        let frame = DataFrame::new(t, t + chrono::Duration::hours(1))
            .point("instance", RatedPoint::new("p", "vm-1", "instance", 1.0, 0.5));
        assert_eq!(
            serde_json::to_value(&frame).unwrap(),
            serde_json::json!({"period": {"begin": "2026-11-22T00:00:00+00:00", "end": "2026-11-22T01:00:00+00:00"},
                "usage": {"instance": [{"vol": {"unit": "instance", "qty": 1.0}, "rating": {"price": 0.5},
                "groupby": {"id": "vm-1", "project_id": "p"}, "metadata": {}}]}})
        );
    }
}
