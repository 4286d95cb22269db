//! The `cloud` binary against the local servers: s3s-fs (`cargo xtask emulators up s3`) and
//! Swift behind Keystone (`cargo xtask emulators up openstack`), with the variables
//! `cargo xtask emulators env` prints. A test fails (never skips) when a server is missing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use cloud::StorageClient;
use cloud::storage::PutOptions;

/// The commands that start the servers and export their settings.
const START: &str = "start the servers with `cargo xtask emulators up s3` and `cargo xtask emulators up openstack`, then `eval \"$(cargo xtask emulators env)\"`";

fn var(name: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| panic!("{name} is not set: {START}"))
}

/// `cloud` with the s3s-fs server as its S3 (the `AWS_*` conventions) and the environment's
/// `OS_CLOUD` as its Swift.
fn cloud() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cloud"));
    command
        .env("AWS_ACCESS_KEY_ID", var("CLOUD_TEST_S3S_ACCESS_KEY_ID"))
        .env("AWS_SECRET_ACCESS_KEY", var("CLOUD_TEST_S3S_SECRET_ACCESS_KEY"))
        .env("AWS_REGION", var("CLOUD_TEST_S3S_REGION"))
        .env("AWS_ENDPOINT_URL", var("CLOUD_TEST_S3S_ENDPOINT"))
        .env("AWS_ALLOW_HTTP", "true")
        .env("OS_CLOUD", var("OS_CLOUD"))
        .env_remove("AWS_PROFILE");
    command
}

/// Runs `cloud args…`, asserting success; returns stdout.
fn ok(args: &[&str]) -> String {
    let output = cloud().args(args).output().unwrap();
    assert!(output.status.success(), "cloud {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The bucket of the s3s-fs server, and a prefix of our own there.
fn s3_prefix(test: &str) -> String {
    format!("s3://{}/cli-{test}-{}/", var("CLOUD_TEST_S3S_BUCKET"), std::process::id())
}

/// Every file under `root`, by relative name, with its bytes.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, rel: &str, out: &mut BTreeMap<String, Vec<u8>>) {
        for item in std::fs::read_dir(dir).unwrap() {
            let item = item.unwrap();
            let name = format!("{rel}{}", item.file_name().into_string().unwrap());
            if item.file_type().unwrap().is_dir() {
                walk(&item.path(), &format!("{name}/"), out);
            } else {
                out.insert(name, std::fs::read(item.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, "", &mut out);
    out
}

/// A tree with spaces and non-ASCII in its names, empty files, nesting and a larger file.
fn sample_tree(root: &Path, big: usize) {
    let files: [(&str, Vec<u8>); 6] = [
        ("hello.txt", b"hello, every cloud\n".to_vec()),
        ("with space/r\u{e9}sum\u{e9} \u{fc}ber.txt", "d\u{e9}j\u{e0} vu".as_bytes().to_vec()),
        ("empty", Vec::new()),
        ("nested/deep/also empty", Vec::new()),
        ("nested/deep/\u{65e5}\u{672c}.md", b"# title\n".to_vec()),
        ("big.bin", (0..big).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
    ];
    for (name, bytes) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

#[test]
fn a_tree_goes_local_to_s3_to_swift_to_local_unchanged() {
    let src = tempfile::tempdir().unwrap();
    sample_tree(src.path(), 100 << 20);
    let s3 = s3_prefix("tree");
    let container = format!("cloud-cli-{}", std::process::id());
    let swift = format!("swift://{container}/tree/");
    let back = tempfile::tempdir().unwrap();

    ok(&["cp", "-r", "--quiet", src.path().to_str().unwrap(), &s3]);
    let listed = ok(&["ls", "-r", &s3]);
    assert_eq!(listed.lines().count(), 6, "{listed}");
    ok(&["mb", &format!("swift://{container}")]);
    ok(&["cp", "-r", "-q", &s3, &swift]);
    ok(&["cp", "-r", "-q", &swift, back.path().to_str().unwrap()]);
    assert_eq!(tree(back.path()), tree(src.path()));

    // Delimiter listing: the top level shows the directories once each.
    let top = ok(&["ls", &swift]);
    let mut top: Vec<&str> = top.lines().collect();
    top.sort_unstable();
    assert_eq!(top, ["tree/big.bin", "tree/empty", "tree/hello.txt", "tree/nested/", "tree/with space/"]);

    ok(&["rm", "-r", "-q", &s3]);
    ok(&["rm", "-r", "-q", &swift]);
    assert_eq!(ok(&["ls", "-r", &s3]), "");
    assert_eq!(ok(&["ls", "-r", &swift]), "");
    ok(&["rb", &format!("swift://{container}")]);
}

#[test]
fn content_type_and_metadata_cross_backends() {
    let s3 = s3_prefix("meta");
    // An object with a content type and metadata, put through the library.
    let client = cloud::aws::S3ClientBuilder::new()
        .with_endpoint(var("CLOUD_TEST_S3S_ENDPOINT"))
        .with_allow_http(true)
        .with_region(var("CLOUD_TEST_S3S_REGION"))
        .with_credentials(var("CLOUD_TEST_S3S_ACCESS_KEY_ID"), var("CLOUD_TEST_S3S_SECRET_ACCESS_KEY"))
        .build()
        .unwrap();
    let bucket = var("CLOUD_TEST_S3S_BUCKET");
    let key = format!("cli-meta-{}/page.html", std::process::id());
    let options = PutOptions::default().with_content_type("text/html").with_metadata("origin", "cli-test");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(client.put_object(&bucket, &key, "<p>hi</p>".into(), options)).unwrap();
    let stat: serde_json::Value = serde_json::from_str(&ok(&["stat", "--json", &format!("{s3}page.html")])).unwrap();
    assert_eq!(stat["size"], 9);

    let container = format!("cloud-cli-meta-{}", std::process::id());
    ok(&["mb", &format!("swift://{container}")]);
    ok(&["cp", "-q", &format!("{s3}page.html"), &format!("swift://{container}/copy.html")]);
    assert_eq!(ok(&["cat", &format!("swift://{container}/copy.html")]), "<p>hi</p>");
    let copied: serde_json::Value =
        serde_json::from_str(&ok(&["stat", "--json", &format!("swift://{container}/copy.html")])).unwrap();
    assert_eq!(copied["content_type"], "text/html", "{copied}");
    assert_eq!(copied["metadata"]["origin"], "cli-test", "{copied}");
    ok(&["mv", "-q", &format!("swift://{container}/copy.html"), &format!("swift://{container}/moved.html")]);
    assert_eq!(ok(&["ls", &format!("swift://{container}/")]), "moved.html\n");
    let url = ok(&["presign", "--expires", "15m", &format!("{s3}page.html")]);
    assert!(url.starts_with("http://") && url.contains("X-Amz-Signature="), "{url}");
    ok(&["rm", "-q", &format!("swift://{container}/moved.html")]);
    ok(&["rb", &format!("swift://{container}")]);
    ok(&["rm", "-r", "-q", &s3]);
}

#[test]
fn sync_twice_sends_nothing_the_second_time() {
    let src = tempfile::tempdir().unwrap();
    sample_tree(src.path(), 1 << 20);
    let s3 = s3_prefix("sync");
    let dir = src.path().to_str().unwrap();

    let first = cloud().args(["sync", dir, &s3]).output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(String::from_utf8_lossy(&first.stderr).contains("copied 6 objects"));
    assert_eq!(ok(&["sync", "--dry-run", dir, &s3]), "", "a second sync would copy something");
    let second = cloud().args(["sync", dir, &s3]).output().unwrap();
    assert!(String::from_utf8_lossy(&second.stderr).contains("copied 0 objects, 0 bytes; deleted 0"));

    // A changed file is sent again; --delete removes what the source no longer has.
    std::fs::write(src.path().join("hello.txt"), "changed, longer than before\n").unwrap();
    std::fs::remove_file(src.path().join("empty")).unwrap();
    assert_eq!(ok(&["sync", "-n", "--delete", dir, &s3]), "copy hello.txt\ndelete empty\n");
    ok(&["sync", "-q", "--delete", dir, &s3]);
    assert_eq!(ok(&["sync", "-n", "--delete", dir, &s3]), "");

    // Back down to an empty directory, then nothing more to do.
    let back = tempfile::tempdir().unwrap();
    let back_dir = back.path().to_str().unwrap();
    ok(&["sync", "-q", &s3, back_dir]);
    assert_eq!(tree(back.path()), tree(src.path()));
    assert_eq!(ok(&["sync", "-n", &s3, back_dir]), "");
    ok(&["rm", "-r", "-q", &s3]);
}

#[test]
fn wrong_credentials_exit_4_with_one_line() {
    let output: Output =
        cloud().env("AWS_SECRET_ACCESS_KEY", "not-the-secret").args(["ls", &s3_prefix("creds")]).output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("cloud: ") && stderr.contains("AWS_SECRET_ACCESS_KEY"), "{stderr}");
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
}

#[test]
fn missing_objects_and_bad_urls_exit_with_their_codes() {
    let missing = cloud().args(["stat", &format!("{}nothing-here", s3_prefix("missing"))]).output().unwrap();
    assert_eq!(missing.status.code(), Some(5), "{}", String::from_utf8_lossy(&missing.stderr));
    let scheme = cloud().args(["ls", "ftp://host/x"]).output().unwrap();
    assert_eq!(scheme.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&scheme.stderr).contains("known schemes"));
}

#[test]
fn a_forced_progress_bar_ends_full() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("one.bin"), vec![7u8; 1 << 20]).unwrap();
    let s3 = s3_prefix("progress");
    let output =
        cloud().args(["cp", "--progress", dir.path().join("one.bin").to_str().unwrap(), &s3]).output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{stderr}");
    let last = stderr
        .split(['\n', '\r'])
        .map(strip_escapes)
        .rfind(|line| !line.trim().is_empty())
        .unwrap_or_else(|| panic!("no progress drawn: {stderr:?}"));
    assert!(last.starts_with("one.bin"), "{last:?}");
    assert!(last.contains("1.00 MiB/1.00 MiB"), "{last:?}");
    assert!(last.contains("ETA"), "{last:?}");
    let quiet = cloud().args(["cp", "-q", dir.path().join("one.bin").to_str().unwrap(), &s3]).output().unwrap();
    assert!(quiet.status.success() && quiet.stderr.is_empty(), "{}", String::from_utf8_lossy(&quiet.stderr));
    ok(&["rm", "-r", "-q", &s3]);
}

/// `line` without ANSI escape sequences.
fn strip_escapes(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
