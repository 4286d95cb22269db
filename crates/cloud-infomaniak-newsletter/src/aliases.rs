//! The Python client's 27 names, mapped onto the current API.
//!
//! The Python client this crate replaces spoke the vocabulary of Infomaniak's deprecated
//! newsletter API (mailing lists, contacts, tasks). These names keep working, each forwarding to
//! the current operation: a mailing list is a group, a contact is a subscriber, a task is an
//! asynchronous task.
//!
//! | compatibility name | current operation | here |
//! |---|---|---|
//! | `__init__(token, newsletter_id)` | — | [`NewsletterClient::new`] |
//! | `from_env()` | — | [`NewsletterClient::from_env`] |
//! | `from_credentials(token, newsletter_id)` | — | [`NewsletterClient::from_credentials`] |
//! | `validate_connection()` | `GET …/credits` | [`NewsletterClient::validate_connection`] |
//! | `list_campaigns()` | `GET …/campaigns` | [`NewsletterClient::list_campaigns`] (same name) |
//! | `get_campaign(id)` | `GET …/campaigns/{campaign}` | [`NewsletterClient::get_campaign`] |
//! | `create_campaign(…)` | `POST …/campaigns` | [`NewsletterClient::create_campaign`] (same name) |
//! | `update_campaign(id, …)` | `PUT …/campaigns/{campaign}` | [`NewsletterClient::update_campaign`] |
//! | `delete_campaign(id)` | `DELETE …/campaigns/{campaign}` | [`NewsletterClient::delete_campaign`] (same name) |
//! | `send_test(id, email)` | `POST …/campaigns/{campaign}/test` | [`NewsletterClient::send_test`] |
//! | `schedule_campaign(id, send_at)` | `PUT …/campaigns/{campaign}/schedule` | [`NewsletterClient::schedule_campaign`] (same name; `started_at` in Unix seconds) |
//! | `unschedule_campaign(id)` | `PUT …/campaigns/{campaign}/cancel` | [`NewsletterClient::unschedule_campaign`] |
//! | `send_campaign(id)` | `PUT …/campaigns/{campaign}/schedule` now | [`NewsletterClient::send_campaign`] |
//! | `get_campaign_statistics(id)` | `GET …/campaigns/{campaign}` + `…/report/links` | [`NewsletterClient::get_campaign_statistics`] |
//! | `list_mailing_lists()` | `GET …/groups` | [`NewsletterClient::list_mailing_lists`] |
//! | `get_mailing_list(id)` | `GET …/groups/{group}` | [`NewsletterClient::get_mailing_list`] |
//! | `create_mailing_list(name)` | `POST …/groups` | [`NewsletterClient::create_mailing_list`] |
//! | `update_mailing_list(id, …)` | `PUT …/groups/{group}` | [`NewsletterClient::update_mailing_list`] |
//! | `delete_mailing_list(id)` | `DELETE …/groups/{group}` | [`NewsletterClient::delete_mailing_list`] |
//! | `get_list_contacts(id)` | `GET …/groups/{group}/subscribers` | [`NewsletterClient::get_list_contacts`] |
//! | `import_contacts(id, …)` | `POST …/subscribers/import` into the group | [`NewsletterClient::import_contacts`] |
//! | `manage_contact(list, contact, action)` | `POST …/groups/{group}/subscribers/assign` / `…/unassign`, `PUT …/subscribers/unsubscribe` | [`NewsletterClient::manage_contact`] |
//! | `get_contact(id)` | `GET …/subscribers/{subscriber}` | [`NewsletterClient::get_contact`] |
//! | `update_contact(id, …)` | `PUT …/subscribers/{subscriber}` | [`NewsletterClient::update_contact`] |
//! | `delete_contact(id)` | `DELETE …/subscribers/{subscriber}` | [`NewsletterClient::delete_contact`] |
//! | `get_task_status(id)` | `GET /1/async/tasks/{task_uuid}` | [`NewsletterClient::get_task_status`] |
//! | `get_credits()` | `GET …/credits/accounts` | [`NewsletterClient::get_credits`] |
//!
//! `…` is `/1/newsletters/{domain}`. Where the Python client returned `True`/`False` or `None`
//! on failure, these return a `Result`.

use std::fmt;
use std::str::FromStr;

use cloud_core::{CloudProvider, Error, Result, SecretString};
use futures::stream::BoxStream;

use crate::client::NewsletterClient;
use crate::models::{
    AssignSubscribersRequest, Campaign, CampaignStatistics, CreateGroupRequest, Credit, EditCampaignRequest, Group,
    ImportSubscribersRequest, ScheduleCampaignRequest, SendTestCampaignRequest, Subscriber, UnassignSubscribersRequest,
    UnsubscribeSubscribersRequest, UnsubscribeSubscribersRequestSelect, UpdateGroupRequest, UpdateSubscriberRequest,
};
use crate::operations::{
    AccountCreditsOptions, GetGroupSubscribersOptions, ListCreditsOptions, ListGroupsOptions, ShowCampaignOptions,
    ShowGroupOptions, ShowSubscriberOptions, UpdateSubscriberOptions,
};
use crate::tasks::AsyncTask;

/// What [`NewsletterClient::manage_contact`] does with a subscriber.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ContactAction {
    /// Adds the subscriber to the group (`subscribe`).
    Subscribe,
    /// Removes the subscriber from the group, leaving them subscribed elsewhere (`remove`).
    Remove,
    /// Unsubscribes the subscriber from the newsletter (`unsubscribe`).
    Unsubscribe,
}

impl ContactAction {
    /// The action's name (`subscribe`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Subscribe => "subscribe",
            Self::Remove => "remove",
            Self::Unsubscribe => "unsubscribe",
        }
    }
}

impl fmt::Display for ContactAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ContactAction {
    type Err = Error;

    /// `subscribe`, `remove` or `unsubscribe` (any case).
    ///
    /// ```
    /// use cloud_infomaniak_newsletter::ContactAction;
    /// assert_eq!("Unsubscribe".parse::<ContactAction>()?, ContactAction::Unsubscribe);
    /// assert_eq!("delete".parse::<ContactAction>().unwrap_err().kind(), cloud_core::ErrorKind::InvalidInput);
    /// # Ok::<(), cloud_core::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        [Self::Subscribe, Self::Remove, Self::Unsubscribe]
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid_input(format!("unknown contact action {s:?}: use subscribe, remove or unsubscribe"))
                    .with_provider(CloudProvider::Infomaniak)
            })
    }
}

/// What [`NewsletterClient::get_campaign_statistics`] gathers about a campaign.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CampaignStatisticsReport {
    /// The campaign's counts and rates (sent, opened, clicked, bounced, unsubscribed …); `None`
    /// for a campaign that was never sent.
    pub statistics: Option<CampaignStatistics>,
    /// The report of its links' activity (`GET …/report/links`), as Infomaniak sends it.
    pub links: serde_json::Value,
}

impl NewsletterClient {
    /// Compatibility name for [`new`](Self::new): a client from a token and a newsletter domain id.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn from_credentials(token: impl Into<SecretString>, newsletter_id: u64) -> Result<Self> {
        Self::new(token, newsletter_id)
    }

    /// Compatibility name: checks that the token and domain are accepted, with one request for
    /// the domain's credits (`GET …/credits`, one item).
    ///
    /// # Errors
    /// The error of the request (`Unauthenticated`, `PermissionDenied`, `NotFound` …).
    pub async fn validate_connection(&self) -> Result<()> {
        self.list_credits_page(&ListCreditsOptions::default().with_page(1).with_per_page(1)).await.map(|_| ())
    }

    /// Compatibility name for [`show_campaign`](Self::show_campaign).
    ///
    /// # Errors
    /// As [`show_campaign`](Self::show_campaign).
    pub async fn get_campaign(&self, campaign_id: i64) -> Result<Campaign> {
        self.show_campaign(campaign_id, &ShowCampaignOptions::default()).await
    }

    /// Compatibility name for [`edit_campaign`](Self::edit_campaign).
    ///
    /// # Errors
    /// As [`edit_campaign`](Self::edit_campaign).
    pub async fn update_campaign(&self, campaign_id: i64, changes: &EditCampaignRequest) -> Result<Campaign> {
        self.edit_campaign(campaign_id, Some(changes)).await
    }

    /// Compatibility name for [`send_test_campaign`](Self::send_test_campaign): sends the campaign
    /// to one address as a test (custom fields are filled if the address is a subscriber).
    ///
    /// # Errors
    /// `InvalidInput` for an empty address (nothing is sent); as
    /// [`send_test_campaign`](Self::send_test_campaign).
    pub async fn send_test(&self, campaign_id: i64, email: &str) -> Result<bool> {
        if email.trim().is_empty() || !email.contains('@') {
            return Err(Error::invalid_input(format!("{email:?} is not an email address"))
                .with_provider(CloudProvider::Infomaniak));
        }
        self.send_test_campaign(campaign_id, &SendTestCampaignRequest::new(email)).await
    }

    /// Compatibility name for [`cancel_campaign`](Self::cancel_campaign): takes a scheduled
    /// campaign off the schedule.
    ///
    /// # Errors
    /// As [`cancel_campaign`](Self::cancel_campaign).
    pub async fn unschedule_campaign(&self, campaign_id: i64) -> Result<bool> {
        self.cancel_campaign(campaign_id).await
    }

    /// Compatibility name: sends the campaign now, by scheduling it at the current time (the API
    /// has no separate "send" operation).
    ///
    /// # Errors
    /// As [`schedule_campaign`](Self::schedule_campaign).
    pub async fn send_campaign(&self, campaign_id: i64) -> Result<bool> {
        let now = chrono::Utc::now().timestamp();
        self.schedule_campaign(campaign_id, Some(&ScheduleCampaignRequest::default().with_started_at(now))).await
    }

    /// Compatibility name: the campaign's statistics (from the campaign) and its links' activity
    /// report. Two requests; [`get_tracking`](Self::get_tracking) and
    /// [`subscribers_activity`](Self::subscribers_activity) stream the per-subscriber details.
    ///
    /// # Errors
    /// As [`show_campaign`](Self::show_campaign) and [`links_activity`](Self::links_activity).
    pub async fn get_campaign_statistics(&self, campaign_id: i64) -> Result<CampaignStatisticsReport> {
        let campaign = self.show_campaign(campaign_id, &ShowCampaignOptions::default()).await?;
        let links = self.links_activity(campaign_id).await?;
        Ok(CampaignStatisticsReport { statistics: campaign.statistics, links })
    }

    /// Compatibility name for [`list_groups`](Self::list_groups): every group (mailing list).
    pub fn list_mailing_lists(&self, options: ListGroupsOptions) -> BoxStream<'static, Result<Group>> {
        self.list_groups(options)
    }

    /// Compatibility name for [`show_group`](Self::show_group).
    ///
    /// # Errors
    /// As [`show_group`](Self::show_group).
    pub async fn get_mailing_list(&self, list_id: i64) -> Result<Group> {
        self.show_group(list_id, &ShowGroupOptions::default()).await
    }

    /// Compatibility name for [`create_group`](Self::create_group).
    ///
    /// # Errors
    /// `InvalidInput` for an empty name (nothing is sent); as [`create_group`](Self::create_group).
    pub async fn create_mailing_list(&self, name: &str) -> Result<Group> {
        self.create_group(&CreateGroupRequest::new(non_empty("name", name)?)).await
    }

    /// Compatibility name for [`update_group`](Self::update_group): renames the group.
    ///
    /// # Errors
    /// `InvalidInput` for an empty name (nothing is sent); as [`update_group`](Self::update_group).
    pub async fn update_mailing_list(&self, list_id: i64, name: &str) -> Result<Group> {
        self.update_group(list_id, &UpdateGroupRequest::new(non_empty("name", name)?)).await
    }

    /// Compatibility name for [`delete_group`](Self::delete_group).
    ///
    /// # Errors
    /// As [`delete_group`](Self::delete_group).
    pub async fn delete_mailing_list(&self, list_id: i64) -> Result<bool> {
        self.delete_group(list_id).await
    }

    /// Compatibility name for [`get_group_subscribers`](Self::get_group_subscribers): every
    /// subscriber (contact) of the group.
    pub fn get_list_contacts(
        &self,
        list_id: i64,
        options: GetGroupSubscribersOptions,
    ) -> BoxStream<'static, Result<Subscriber>> {
        self.get_group_subscribers(list_id, options)
    }

    /// Compatibility name: imports subscribers into the group, with
    /// [`import_subscribers`](Self::import_subscribers) and `list_id` added to the import's groups.
    /// Upload the CSV first with [`upload_csv_file`](Self::upload_csv_file) and name it with
    /// `upload_id`.
    ///
    /// # Errors
    /// As [`import_subscribers`](Self::import_subscribers).
    pub async fn import_contacts(&self, list_id: i64, import: &ImportSubscribersRequest) -> Result<serde_json::Value> {
        let mut groups = import.groups.clone().unwrap_or_default();
        let id = list_id.to_string();
        if !groups.contains(&id) {
            groups.push(id);
        }
        self.import_subscribers(&import.clone().with_groups(groups)).await
    }

    /// Compatibility name: adds a subscriber to a group, removes them from it, or unsubscribes
    /// them (see [`ContactAction`]).
    ///
    /// # Errors
    /// As [`assign_subscribers`](Self::assign_subscribers),
    /// [`unassign_subscribers`](Self::unassign_subscribers) or
    /// [`unsubscribe_subscribers`](Self::unsubscribe_subscribers).
    pub async fn manage_contact(&self, list_id: i64, contact_id: i64, action: ContactAction) -> Result<()> {
        match action {
            ContactAction::Subscribe => {
                self.assign_subscribers(list_id, &AssignSubscribersRequest::new([contact_id])).await.map(|_| ())
            }
            ContactAction::Remove => {
                self.unassign_subscribers(list_id, &UnassignSubscribersRequest::new([contact_id])).await.map(|_| ())
            }
            ContactAction::Unsubscribe => {
                let select = UnsubscribeSubscribersRequestSelect::new(false).with_include([contact_id]);
                self.unsubscribe_subscribers(&UnsubscribeSubscribersRequest::new(select)).await.map(|_| ())
            }
        }
    }

    /// Compatibility name for [`show_subscriber`](Self::show_subscriber).
    ///
    /// # Errors
    /// As [`show_subscriber`](Self::show_subscriber).
    pub async fn get_contact(&self, contact_id: i64) -> Result<Subscriber> {
        self.show_subscriber(contact_id, &ShowSubscriberOptions::default()).await
    }

    /// Compatibility name for [`update_subscriber`](Self::update_subscriber).
    ///
    /// # Errors
    /// As [`update_subscriber`](Self::update_subscriber).
    pub async fn update_contact(&self, contact_id: i64, changes: &UpdateSubscriberRequest) -> Result<Subscriber> {
        self.update_subscriber(contact_id, Some(changes), &UpdateSubscriberOptions::default()).await
    }

    /// Compatibility name for [`delete_subscriber`](Self::delete_subscriber).
    ///
    /// # Errors
    /// As [`delete_subscriber`](Self::delete_subscriber).
    pub async fn delete_contact(&self, contact_id: i64) -> Result<bool> {
        self.delete_subscriber(contact_id).await
    }

    /// Compatibility name for [`get_async_task`](Self::get_async_task).
    ///
    /// # Errors
    /// As [`get_async_task`](Self::get_async_task).
    pub async fn get_task_status(&self, task_id: &str) -> Result<AsyncTask> {
        self.get_async_task(task_id).await
    }

    /// Compatibility name for [`account_credits`](Self::account_credits): the account's credits.
    ///
    /// # Errors
    /// As [`account_credits`](Self::account_credits).
    pub async fn get_credits(&self) -> Result<Credit> {
        self.account_credits(&AccountCreditsOptions::default()).await
    }
}

fn non_empty<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    if value.trim().is_empty() {
        Err(Error::invalid_input(format!("the {what} must not be empty")).with_provider(CloudProvider::Infomaniak))
    } else {
        Ok(value)
    }
}
