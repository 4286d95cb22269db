//! `StorageClientExt::download_file` under faults: a body shorter or longer than the object,
//! concurrent downloads to one path, and a symlink planted where the temporary file goes.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use cloud_core::storage::{
    BucketInfo, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions, GetResult, HeadOptions, ListEntry,
    ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl, PutOptions, PutPayload, PutResult,
    StorageCapabilities,
};
use cloud_core::{CloudProvider, ErrorKind, MemoryStorage, Result, StorageClient, StorageClientExt};
use futures::stream::{self, BoxStream, StreamExt};

/// How [`Faulty`] changes the bodies it serves.
#[derive(Debug, Clone, Copy)]
enum Fault {
    /// The body stops `n` bytes early, without an error (a close-delimited answer cut short).
    Truncate(usize),
    /// The body carries `n` bytes more than the object has.
    Extend(usize),
}

/// A memory store whose `get_object` bodies are damaged.
#[derive(Debug)]
struct Faulty {
    inner: MemoryStorage,
    fault: Fault,
}

impl fmt::Display for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "faulty({:?})", self.fault)
    }
}

#[async_trait]
impl StorageClient for Faulty {
    fn provider(&self) -> CloudProvider {
        self.inner.provider()
    }
    fn capabilities(&self) -> StorageCapabilities {
        self.inner.capabilities()
    }
    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        self.inner.list_buckets()
    }
    async fn create_bucket(&self, bucket: &str, options: CreateBucketOptions) -> Result<()> {
        self.inner.create_bucket(bucket, options).await
    }
    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        self.inner.delete_bucket(bucket).await
    }
    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        self.inner.bucket_exists(bucket).await
    }
    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        self.inner.put_object(bucket, key, payload, options).await
    }
    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        let result = self.inner.get_object(bucket, key, options).await?;
        let (meta, range) = (result.meta.clone(), result.range.clone());
        let mut body = result.bytes().await?.to_vec();
        match self.fault {
            Fault::Truncate(n) => body.truncate(body.len().saturating_sub(n)),
            Fault::Extend(n) => body.extend(std::iter::repeat_n(b'!', n)),
        }
        let chunks: Vec<Result<Bytes>> = body.chunks(7).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        Ok(GetResult::new(meta, range, stream::iter(chunks).boxed()))
    }
    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        self.inner.head_object(bucket, key, options).await
    }
    async fn delete_object(&self, bucket: &str, key: &str, options: DeleteOptions) -> Result<()> {
        self.inner.delete_object(bucket, key, options).await
    }
    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        self.inner.list_entries(bucket, options)
    }
    async fn copy_object(&self, sb: &str, sk: &str, db: &str, dk: &str, options: CopyOptions) -> Result<()> {
        self.inner.copy_object(sb, sk, db, dk, options).await
    }
    async fn presign(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        options: PresignOptions,
    ) -> Result<PresignedUrl> {
        self.inner.presign(method, bucket, key, options).await
    }
}

async fn store_with(objects: &[(&str, Vec<u8>)]) -> MemoryStorage {
    let store = MemoryStorage::new();
    store.create_bucket("bkt", CreateBucketOptions::default()).await.unwrap();
    for (key, data) in objects {
        store.put_object("bkt", key, PutPayload::from(data.clone()), PutOptions::default()).await.unwrap();
    }
    store
}

/// Names in `dir` other than `keep`: leftovers of a download.
fn leftovers(dir: &Path, keep: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !keep.contains(&name.as_str()))
        .collect()
}

/// A body cut short without a transport error became a truncated file and `Ok`; a body longer
/// than the object became a longer file and `Ok`.
#[tokio::test]
async fn a_body_of_the_wrong_length_is_response_invalid_and_publishes_nothing() {
    let data: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    for fault in [Fault::Truncate(1), Fault::Truncate(500), Fault::Extend(1), Fault::Extend(4096)] {
        let store = Faulty { inner: store_with(&[("k", data.clone())]).await, fault };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        std::fs::write(&path, b"previous").unwrap();
        let err = store.download_file("bkt", "k", &path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ResponseInvalid, "{fault:?}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"previous", "{fault:?}: the old file must stay");
        assert_eq!(leftovers(dir.path(), &["out.bin"]), Vec::<String>::new(), "{fault:?}");
    }
}

/// Two downloads to one path shared the temporary name `.out.bin.part-<pid>`: one could publish
/// a file mixing both objects and return `Ok`, the other failed with `NotFound`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_downloads_to_one_path_each_publish_a_whole_object() {
    let a = vec![b'a'; 300_000];
    let b = vec![b'b'; 200_000];
    let store = Arc::new(store_with(&[("a", a.clone()), ("b", b.clone())]).await);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.bin");
    for round in 0..20 {
        let tasks: Vec<_> = ["a", "b", "a", "b"]
            .into_iter()
            .map(|key| {
                let (store, path) = (store.clone(), path.clone());
                tokio::spawn(async move { store.download_file("bkt", key, &path).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap_or_else(|e| panic!("round {round}: a download failed: {e}"));
        }
        let got = std::fs::read(&path).unwrap();
        assert!(got == a || got == b, "round {round}: the file mixes both objects ({} bytes)", got.len());
        assert_eq!(leftovers(dir.path(), &["out.bin"]), Vec::<String>::new(), "round {round}");
    }
}

/// `File::create` followed a symlink planted at the predictable temporary name and truncated its
/// target; now the temporary name is unpredictable and never opened if it exists.
#[cfg(unix)]
#[tokio::test]
async fn a_symlink_at_the_old_temporary_name_is_not_followed() {
    let store = store_with(&[("k", b"downloaded".to_vec())]).await;
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"canary").unwrap();
    let path = dir.path().join("out.bin");
    let planted = dir.path().join(format!(".out.bin.part-{}", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    store.download_file("bkt", "k", &path).await.unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"canary");
    assert_eq!(std::fs::read(&path).unwrap(), b"downloaded");
}
