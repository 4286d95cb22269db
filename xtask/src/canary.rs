//! The secret canary of `cargo xtask test`: every credential the suite uses carries a
//! recognisable marker, and the suite's whole captured output is searched for it.
//!
//! Two kinds of needle:
//!
//! - **The marker** [`MARKER`], which every canary credential starts with (the local servers'
//!   keys and passwords, the tokens and keys written in test files). Any occurrence is a leak,
//!   whichever credential it is: the characters after it say which one.
//! - **A PEM private key** (the GCS tests' service-account keys), by its header.
//! - **The credential values** the local servers hand the tests (`cargo xtask emulators env`),
//!   with or without the marker (moto and Keystone choose some of them), as written, base64
//!   (standard and URL alphabets, at the three possible alignments) and percent-encoded.
//!
//! What is searched: every test's stdout and stderr as nextest stores them in its JUnit report
//! (successes included), which holds the TRACE lines the tests' subscriber writes and every
//! panic message, and the doctests' output.

use std::fmt::Write as _;

/// The prefix of every canary credential. Never printed by a passing suite.
pub(crate) const MARKER: &str = "CANARY";

/// The end of a PEM private key's first line (`-----BEGIN PRIVATE KEY-----`, `… RSA PRIVATE KEY-----`).
const PEM_KEY: &str = "PRIVATE KEY-----";

/// How a value may appear in output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// The marker, whatever follows it.
    Marker,
    /// The value as is.
    Plain,
    /// Percent-encoded (only listed when it differs from the value).
    Percent,
    /// Base64, standard or URL alphabet, at any alignment.
    Base64,
}

/// One thing to look for.
#[derive(Debug, Clone)]
struct Needle {
    /// The variable the value came from (or the marker).
    source: String,
    form: Form,
    text: String,
}

/// One occurrence found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    /// The variable whose value leaked, or [`MARKER`] for a marker hit.
    pub(crate) source: String,
    pub(crate) form: Form,
    /// Where: the test (for a JUnit report) or the output's name, and the line number.
    pub(crate) place: String,
    /// The marker hit's own credential tag (the characters after the marker), to say which one.
    pub(crate) tag: String,
}

/// What the scan looked at.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scanned {
    pub(crate) bytes: usize,
    pub(crate) lines: usize,
}

/// The needles for one run.
#[derive(Debug, Clone)]
pub(crate) struct Canaries {
    needles: Vec<Needle>,
    credentials: usize,
}

/// Values shorter than this that lack the marker are not searched (a legacy password such as
/// `testing` would match ordinary words, and `cloud-test-password` is also a cloud's name).
const MIN_PLAIN_LEN: usize = 20;

impl Canaries {
    /// The marker, and the credentials among `env` (the local servers' variables): variables
    /// named like a secret (`…SECRET…`, `…PASSWORD`, `…_KEY`, `…TOKEN`, `…ACCESS_KEY`; not ids)
    /// whose value carries the marker or is long enough to be distinctive.
    pub(crate) fn from_env(env: &[(String, String)]) -> Self {
        let marker = Needle { source: MARKER.to_owned(), form: Form::Marker, text: MARKER.to_owned() };
        // The service-account keys of the GCS tests are PEM private keys: none may be printed.
        let pem = Needle { source: "a PEM private key".to_owned(), form: Form::Plain, text: PEM_KEY.to_owned() };
        let mut canaries = Self { needles: vec![marker, pem], credentials: 0 };
        for (name, value) in env {
            if is_secret_name(name) && (value.contains(MARKER) || value.len() >= MIN_PLAIN_LEN) {
                canaries.add(name, value);
            }
        }
        canaries
    }

    /// Searches for `value` too, named `name`, in every form.
    pub(crate) fn add(&mut self, name: &str, value: &str) {
        if self.needles.iter().any(|n| n.form == Form::Plain && n.text == value) {
            return;
        }
        self.credentials += 1;
        self.needles.push(Needle { source: name.to_owned(), form: Form::Plain, text: value.to_owned() });
        let percent = percent_encode(value);
        if percent != value {
            self.needles.push(Needle { source: name.to_owned(), form: Form::Percent, text: percent });
        }
        for text in base64_forms(value.as_bytes()) {
            self.needles.push(Needle { source: name.to_owned(), form: Form::Base64, text });
        }
    }

    /// How many credential values are searched for (besides the marker).
    pub(crate) fn credentials(&self) -> usize {
        self.credentials
    }

    /// The variables whose value carries the marker.
    pub(crate) fn marked(&self) -> Vec<&str> {
        self.needles
            .iter()
            .filter(|n| n.form == Form::Plain && n.text.contains(MARKER))
            .map(|n| n.source.as_str())
            .collect()
    }

    /// Searches a JUnit report: each hit names the test case whose output holds it.
    pub(crate) fn scan_junit(&self, xml: &str, scanned: &mut Scanned) -> Vec<Hit> {
        let mut hits = Vec::new();
        let mut test = String::from("(report)");
        for (number, line) in xml.lines().enumerate() {
            if let Some(name) = testcase_name(line) {
                test = name;
            }
            self.scan_line(line, &format!("{test}, report line {}", number + 1), &mut hits);
        }
        scanned.bytes += xml.len();
        scanned.lines += xml.lines().count();
        hits
    }

    /// Searches plain output named `what`.
    pub(crate) fn scan_text(&self, what: &str, text: &str, scanned: &mut Scanned) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (number, line) in text.lines().enumerate() {
            self.scan_line(line, &format!("{what}, line {}", number + 1), &mut hits);
        }
        scanned.bytes += text.len();
        scanned.lines += text.lines().count();
        hits
    }

    fn scan_line(&self, line: &str, place: &str, hits: &mut Vec<Hit>) {
        for needle in &self.needles {
            for (at, _) in line.match_indices(needle.text.as_str()) {
                let tag = if needle.form == Form::Marker {
                    line[at + MARKER.len()..].chars().take_while(char::is_ascii_alphanumeric).take(12).collect()
                } else {
                    String::new()
                };
                hits.push(Hit { source: needle.source.clone(), form: needle.form, place: place.to_owned(), tag });
            }
        }
    }
}

/// Says where each hit is, without repeating the secret.
pub(crate) fn describe(hits: &[Hit]) -> String {
    let mut out = String::new();
    for hit in hits.iter().take(50) {
        let what = match hit.form {
            Form::Marker => format!("the canary marker (credential tag `{}`)", hit.tag),
            Form::Plain => format!("the value of {}", hit.source),
            Form::Percent => format!("the value of {}, percent-encoded", hit.source),
            Form::Base64 => format!("the value of {}, base64-encoded", hit.source),
        };
        let _ = writeln!(out, "  {what} in {}", hit.place);
    }
    if hits.len() > 50 {
        let _ = writeln!(out, "  … and {} more", hits.len() - 50);
    }
    out
}

fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let named_secret = ["SECRET", "PASSWORD", "TOKEN"].iter().any(|w| upper.contains(w));
    (named_secret && !upper.ends_with("_ID")) || upper.ends_with("_KEY")
}

/// The `name` of a `<testcase name="…"` line, with its class when given.
fn testcase_name(line: &str) -> Option<String> {
    let start = line.find("<testcase ")?;
    let attr = |key: &str| {
        let open = format!(" {key}=\"");
        let from = line[start..].find(&open)? + start + open.len();
        let len = line[from..].find('"')?;
        Some(&line[from..from + len])
    };
    let name = attr("name")?;
    Some(match attr("classname") {
        Some(class) => format!("{class} {name}"),
        None => name.to_owned(),
    })
}

/// Every byte outside RFC 3986's unreserved set as `%XX`.
fn percent_encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 without padding.
fn base64(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(char::from(alphabet[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

/// The base64 text `value` becomes inside any longer encoded text: for each of the three
/// alignments, the characters that depend on `value`'s bytes alone; in both alphabets.
fn base64_forms(value: &[u8]) -> Vec<String> {
    let mut url = *STANDARD;
    url[62] = b'-';
    url[63] = b'_';
    let mut forms = Vec::new();
    for offset in 0..3 {
        let mut padded = vec![0u8; offset];
        padded.extend_from_slice(value);
        let first = (8 * offset).div_ceil(6);
        let last = 8 * padded.len() / 6;
        for alphabet in [STANDARD, &url] {
            let encoded = base64(&padded, alphabet);
            let form = encoded[first..last].to_owned();
            if form.len() >= 8 && !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    forms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Vec<(String, String)> {
        [
            ("CLOUD_TEST_S3S_ACCESS_KEY_ID", "cloudtests3sfs"),
            ("CLOUD_TEST_S3S_SECRET_ACCESS_KEY", "CANARYs3sfsW7pK2vQ9"),
            ("CLOUD_TEST_MOTO_SECRET_ACCESS_KEY", "n3b/x+Qw8ZcV1pL0mT6rY2sA9dF4gH7jK5lB3nM"),
            ("CLOUD_TEST_SWIFT_TEMPAUTH_KEY", "testing"),
            ("CLOUD_TEST_S3S_ENDPOINT", "http://127.0.0.1:8014"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    }

    #[test]
    fn base64_matches_a_reference_encoder() {
        // RFC 4648 test vectors.
        for (plain, encoded) in [("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(plain.as_bytes(), STANDARD), encoded);
        }
    }

    #[test]
    fn a_value_is_found_inside_longer_base64_at_every_alignment() {
        let secret = b"n3b/x+Qw8ZcV1pL0mT6rY2sA9dF4gH7jK5lB3nM";
        let forms = base64_forms(secret);
        for prefix in ["", "a", "ab", "abc:"] {
            let mut text = prefix.as_bytes().to_vec();
            text.extend_from_slice(secret);
            text.extend_from_slice(b"@host");
            let encoded = base64(&text, STANDARD);
            assert!(forms.iter().any(|f| encoded.contains(f.as_str())), "{prefix:?}: {encoded}");
        }
    }

    #[test]
    fn only_distinctive_secret_values_are_searched() {
        let canaries = Canaries::from_env(&env());
        // The s3s-fs secret (marked) and moto's (long); not the id, the endpoint or `testing`.
        assert_eq!(canaries.credentials(), 2);
        assert_eq!(canaries.marked(), ["CLOUD_TEST_S3S_SECRET_ACCESS_KEY"]);
    }

    /// Planted leaks, each of a kind the scan must catch; and clean output passes.
    #[test]
    fn planted_canaries_are_caught() {
        let canaries = Canaries::from_env(&env());
        let mut scanned = Scanned::default();
        let moto = "n3b/x+Qw8ZcV1pL0mT6rY2sA9dF4gH7jK5lB3nM";
        let basic = base64(format!("AKIA:{moto}").as_bytes(), STANDARD);
        let report = format!(
            "<testsuite name=\"cloud-aws::s3\">\n\
             <testcase name=\"clean\" classname=\"cloud-aws::s3\">\n<system-out>all good, key id cloudtests3sfs, testing</system-out>\n\
             <testcase name=\"leaks\" classname=\"cloud-aws::s3\">\n<system-err>\
             TRACE header authorization=\"Basic {basic}\"\n\
             panicked at: secret=CANARYtoken9Xk2 went out\n\
             url?key={}\n-----BEGIN PRIVATE KEY-----\n</system-err>\n",
            percent_encode(moto)
        );
        let hits = canaries.scan_junit(&report, &mut scanned);
        let kinds: Vec<(Form, &str)> = hits.iter().map(|h| (h.form, h.source.as_str())).collect();
        assert!(kinds.contains(&(Form::Base64, "CLOUD_TEST_MOTO_SECRET_ACCESS_KEY")), "{hits:?}");
        assert!(kinds.contains(&(Form::Marker, MARKER)), "{hits:?}");
        assert!(kinds.contains(&(Form::Percent, "CLOUD_TEST_MOTO_SECRET_ACCESS_KEY")), "{hits:?}");
        assert!(kinds.contains(&(Form::Plain, "a PEM private key")), "{hits:?}");
        assert!(hits.iter().all(|h| h.place.starts_with("cloud-aws::s3 leaks")), "{hits:?}");
        assert!(hits.iter().any(|h| h.tag == "token9Xk2"), "{hits:?}");
        assert_eq!(scanned.lines, report.lines().count());
        let text = describe(&hits);
        assert!(!text.contains(moto) && !text.contains("CANARYtoken"), "the report repeats no secret: {text}");

        let clean = canaries.scan_text("doctests", "test result: ok. 312 passed; testing cloudtests3sfs", &mut scanned);
        assert!(clean.is_empty(), "{clean:?}");
    }
}
