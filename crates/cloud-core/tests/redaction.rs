//! No secret reaches `Debug` or `Display` of any credential type or error.

use cloud_core::{CloudCredentials, CloudProvider, Error, ErrorKind, REDACTED, SecretString};

const SECRET: &str = "CANARYredactionValueThatMustNeverPrint";

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaked the secret: {text}");
}

#[test]
fn secret_string_is_redacted_everywhere() {
    let s = SecretString::new(SECRET);
    for text in [format!("{s}"), format!("{s:?}"), format!("{s:#?}"), format!("{:?}", Some(&s))] {
        assert_hidden("SecretString", &text);
        assert!(text.contains(REDACTED));
    }
}

#[test]
fn credentials_are_redacted() {
    let creds = CloudCredentials::new(CloudProvider::Aws).with_keys("AKIDEXAMPLE", SECRET).with_region("eu-west-1");
    let debug = format!("{creds:?}");
    assert_hidden("CloudCredentials Debug", &debug);
    assert_hidden("CloudCredentials pretty Debug", &format!("{creds:#?}"));
    // The non-secret parts stay visible, so the output is still useful.
    assert!(debug.contains("AKIDEXAMPLE") && debug.contains("eu-west-1") && debug.contains(REDACTED));
}

#[test]
fn errors_built_around_secrets_do_not_show_them() {
    // An error whose source is something holding a secret (as a provider might wrap).
    #[derive(Debug)]
    struct Holder {
        #[allow(dead_code, reason = "only printed")]
        token: SecretString,
    }
    impl std::fmt::Display for Holder {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "auth failed with token {}", self.token)
        }
    }
    impl std::error::Error for Holder {}

    let err = Error::new(ErrorKind::Unauthenticated, "the token was rejected")
        .with_provider(CloudProvider::Coda)
        .with_operation("whoami")
        .with_http_status(401)
        .with_source(Holder { token: SecretString::new(SECRET) });
    assert_hidden("Error Display", &err.to_string());
    assert_hidden("Error Debug", &format!("{err:?}"));
    assert_hidden("Error pretty Debug", &format!("{err:#?}"));
    let io: std::io::Error = err.into();
    assert_hidden("io::Error", &format!("{io} {io:?}"));
}
