//! Authentication against the local Keystone: every configuration source, wrong secrets, regions.

mod common;

use cloud_core::{Env, ErrorKind};
use cloud_infomaniak_openstack::{AuthMethod, Domain, InfomaniakCloud, InfomaniakConfig};

#[tokio::test]
async fn clouds_yaml_through_os_cloud_authenticates() {
    let env = Env::from_slice(&[
        ("OS_CLOUD", &common::var("OS_CLOUD")),
        ("OS_CLIENT_CONFIG_FILE", &common::var("OS_CLIENT_CONFIG_FILE")),
    ]);
    let cloud = InfomaniakCloud::from_env_with(&env).await.unwrap_or_else(|e| panic!("{e}: {}", common::HOW));
    assert_eq!(cloud.project_id(), Some(common::var("CLOUD_TEST_OS_PROJECT_ID").as_str()));
    assert!(!cloud.user_id().is_empty());
    assert_eq!(cloud.region(), Some(common::var("CLOUD_TEST_OS_REGION").as_str()));
    assert!(cloud.available_regions().contains(&common::var("CLOUD_TEST_OS_REGION")));
    // The session and every client made from it print no secret.
    let secret = common::var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET");
    for text in [format!("{cloud:?}"), format!("{:?}", cloud.swift()), format!("{:?}", cloud.config())] {
        assert!(!text.contains(&secret), "{text}");
    }
}

#[tokio::test]
async fn infomaniak_variables_authenticate() {
    let env = Env::from_slice(&[
        ("INFOMANIAK_APP_CREDENTIAL_ID", &common::var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID")),
        ("INFOMANIAK_APP_CREDENTIAL_SECRET", &common::var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET")),
        ("INFOMANIAK_AUTH_URL", &common::var("CLOUD_TEST_OS_AUTH_URL")),
        ("INFOMANIAK_REGION", &common::var("CLOUD_TEST_OS_REGION")),
    ]);
    let cloud = InfomaniakCloud::from_env_with(&env).await.unwrap_or_else(|e| panic!("{e}: {}", common::HOW));
    assert_eq!(cloud.project_id(), Some(common::var("CLOUD_TEST_OS_PROJECT_ID").as_str()));
}

#[tokio::test]
async fn openrc_password_variables_authenticate() {
    let env = Env::from_slice(&[
        ("OS_AUTH_URL", &common::var("CLOUD_TEST_OS_AUTH_URL")),
        ("OS_USERNAME", &common::var("CLOUD_TEST_OS_USERNAME")),
        ("OS_PASSWORD", &common::var("CLOUD_TEST_OS_PASSWORD")),
        ("OS_USER_DOMAIN_ID", &common::var("CLOUD_TEST_OS_USER_DOMAIN_ID")),
        ("OS_PROJECT_NAME", &common::var("CLOUD_TEST_OS_PROJECT_NAME")),
        ("OS_PROJECT_DOMAIN_ID", &common::var("CLOUD_TEST_OS_PROJECT_DOMAIN_ID")),
        ("OS_REGION_NAME", &common::var("CLOUD_TEST_OS_REGION")),
    ]);
    let config = InfomaniakConfig::from_env_with(&env).unwrap();
    assert!(matches!(config.auth(), AuthMethod::Password { .. }));
    let cloud = InfomaniakCloud::connect(config).await.unwrap_or_else(|e| panic!("{e}: {}", common::HOW));
    assert_eq!(cloud.project_id(), Some(common::var("CLOUD_TEST_OS_PROJECT_ID").as_str()));
}

#[tokio::test]
async fn a_wrong_secret_is_unauthenticated() {
    let err = InfomaniakCloud::from_credentials(
        &common::var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID"),
        "CANARYwrongAppCredSecret9Tb",
        Some(&common::var("CLOUD_TEST_OS_AUTH_URL")),
        Some(&common::var("CLOUD_TEST_OS_REGION")),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert!(!err.to_string().contains("CANARYwrongAppCredSecret9Tb"), "{err}");
    let err = InfomaniakCloud::connect(InfomaniakConfig::password(
        common::var("CLOUD_TEST_OS_AUTH_URL"),
        common::var("CLOUD_TEST_OS_USERNAME"),
        Domain::Id("default".into()),
        "CANARYwrongPassword6Nc",
        common::var("CLOUD_TEST_OS_PROJECT_ID"),
    ))
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
}

#[tokio::test]
async fn a_region_outside_the_catalog_is_invalid_config() {
    let err = InfomaniakCloud::from_credentials(
        &common::var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_ID"),
        common::var("CLOUD_TEST_OS_APPLICATION_CREDENTIAL_SECRET"),
        Some(&common::var("CLOUD_TEST_OS_AUTH_URL")),
        Some("dc4-a"),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.to_string().contains("dc4-a"), "{err}");
}

#[tokio::test]
async fn one_session_serves_every_client() {
    let cloud = common::session().await;
    let swift = cloud.swift();
    let compute = cloud.nova();
    assert_eq!(swift.session().user_id(), compute.session().user_id());
    assert!(cloud.endpoint("object-store").await.unwrap().as_str().contains("AUTH_"));
}

/// A password configuration of the test user in `domain`.
fn password_config(domain: Domain) -> InfomaniakConfig {
    InfomaniakConfig::password(
        common::var("CLOUD_TEST_OS_AUTH_URL"),
        common::var("CLOUD_TEST_OS_USERNAME"),
        domain,
        common::var("CLOUD_TEST_OS_PASSWORD"),
        common::var("CLOUD_TEST_OS_PROJECT_ID"),
    )
    .with_region(Some(common::var("CLOUD_TEST_OS_REGION")))
}

#[tokio::test]
async fn domain_ids_and_names_are_told_apart() {
    // By id and by name both work …
    let by_id = InfomaniakCloud::connect(password_config(Domain::Id(common::var("CLOUD_TEST_OS_USER_DOMAIN_ID"))))
        .await
        .unwrap_or_else(|e| panic!("{e}: {}", common::HOW));
    let by_name = InfomaniakCloud::connect(password_config(Domain::Name("Default".into()))).await.unwrap();
    assert_eq!(by_id.user_id(), by_name.user_id());
    // … and an id is sent as an id: the domain *named* `Default` has the id `default`, so `Default`
    // as an id finds no domain (it used to be sent as a name, so any id but `default` failed).
    let err = InfomaniakCloud::connect(password_config(Domain::Id("Default".into()))).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
}

#[tokio::test]
async fn plain_http_beyond_loopback_needs_an_opt_in() {
    let config =
        InfomaniakConfig::application_credential("http://keystone.invalid/v3", "id", "CANARYplaceholderSecret");
    let err = InfomaniakCloud::connect(config).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
}
