//! The `infomaniak-newsletter` feature re-exports `cloud-infomaniak-newsletter`.
#![cfg(feature = "infomaniak-newsletter")]

#[test]
fn the_newsletter_client_is_reachable_through_the_facade() {
    let client = cloud::infomaniak_newsletter::NewsletterClient::new("token", 12345).unwrap();
    assert_eq!(client.domain(), 12345);
    assert_eq!(cloud::infomaniak_newsletter::OPERATIONS.len(), 71);
}
