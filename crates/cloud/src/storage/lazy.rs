//! [`Lazy`]: a backend that must log in before its first request, opened without waiting.

use std::fmt;
use std::sync::Arc;

use cloud_core::storage::{
    BucketInfo, CopyOptions, CreateBucketOptions, DeleteOptions, GetOptions, GetResult, HeadOptions, ListEntry,
    ListOptions, ObjectMeta, PresignMethod, PresignOptions, PresignedUrl, PutOptions, PutPayload, PutResult,
    StorageCapabilities,
};
use cloud_core::{CloudProvider, Result, StorageClient, async_trait};
use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use tokio::sync::OnceCell;

/// How a [`Lazy`] makes its client (a log-in, typically).
pub(crate) type Connect<C> = Arc<dyn Fn() -> BoxFuture<'static, Result<C>> + Send + Sync>;

/// A [`StorageClient`] that makes its inner client on first use.
///
/// The first call of any method runs `connect` (concurrent first calls wait for the same
/// connection); its client then serves every call. A failed connection is not kept: the error is
/// returned, and the next call tries again. What must be known before connecting (the provider,
/// the capabilities, a description) is given up front, so that `capabilities()` and `Display`
/// never wait.
pub(crate) struct Lazy<C> {
    provider: CloudProvider,
    capabilities: StorageCapabilities,
    description: String,
    connect: Connect<C>,
    client: Arc<OnceCell<C>>,
}

impl<C> Clone for Lazy<C> {
    fn clone(&self) -> Self {
        Self {
            provider: self.provider,
            capabilities: self.capabilities,
            description: self.description.clone(),
            connect: Arc::clone(&self.connect),
            client: Arc::clone(&self.client),
        }
    }
}

impl<C: StorageClient + Clone> Lazy<C> {
    pub(crate) fn new(
        provider: CloudProvider,
        capabilities: StorageCapabilities,
        description: String,
        connect: Connect<C>,
    ) -> Self {
        Self { provider, capabilities, description, connect, client: Arc::new(OnceCell::new()) }
    }

    /// Connects now if no call has yet (a log-in that fails here fails early).
    pub(crate) async fn connect(&self) -> Result<()> {
        self.client().await.map(|_| ())
    }

    /// The client, connecting first if no call has yet.
    async fn client(&self) -> Result<&C> {
        self.client.get_or_try_init(|| (self.connect)()).await
    }

    /// `list` of the client, as a stream that connects when first polled.
    fn stream<T: Send + 'static>(
        &self,
        list: impl FnOnce(&C) -> BoxStream<'static, Result<T>> + Send + 'static,
    ) -> BoxStream<'static, Result<T>> {
        let this = self.clone();
        stream::once(async move { this.client().await.map(list) }).try_flatten().boxed()
    }
}

impl<C> fmt::Debug for Lazy<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lazy")
            .field("provider", &self.provider)
            .field("description", &self.description)
            .field("connected", &self.client.initialized())
            .finish_non_exhaustive()
    }
}

impl<C: fmt::Display> fmt::Display for Lazy<C> {
    /// The client once connected, else the description.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.client.get() {
            Some(client) => client.fmt(f),
            None => f.write_str(&self.description),
        }
    }
}

#[async_trait]
#[deny(clippy::missing_trait_methods)]
impl<C: StorageClient + Clone> StorageClient for Lazy<C> {
    fn provider(&self) -> CloudProvider {
        self.provider
    }

    fn capabilities(&self) -> StorageCapabilities {
        self.capabilities
    }

    fn list_buckets(&self) -> BoxStream<'static, Result<BucketInfo>> {
        self.stream(StorageClient::list_buckets)
    }

    async fn create_bucket(&self, bucket: &str, options: CreateBucketOptions) -> Result<()> {
        self.client().await?.create_bucket(bucket, options).await
    }

    async fn delete_bucket(&self, bucket: &str) -> Result<()> {
        self.client().await?.delete_bucket(bucket).await
    }

    async fn bucket_exists(&self, bucket: &str) -> Result<bool> {
        self.client().await?.bucket_exists(bucket).await
    }

    async fn put_object(&self, bucket: &str, key: &str, payload: PutPayload, options: PutOptions) -> Result<PutResult> {
        self.client().await?.put_object(bucket, key, payload, options).await
    }

    async fn get_object(&self, bucket: &str, key: &str, options: GetOptions) -> Result<GetResult> {
        self.client().await?.get_object(bucket, key, options).await
    }

    async fn head_object(&self, bucket: &str, key: &str, options: HeadOptions) -> Result<ObjectMeta> {
        self.client().await?.head_object(bucket, key, options).await
    }

    async fn delete_object(&self, bucket: &str, key: &str, options: DeleteOptions) -> Result<()> {
        self.client().await?.delete_object(bucket, key, options).await
    }

    fn list_entries(&self, bucket: &str, options: ListOptions) -> BoxStream<'static, Result<ListEntry>> {
        let bucket = bucket.to_owned();
        self.stream(move |client| client.list_entries(&bucket, options))
    }

    async fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        dst_bucket: &str,
        dst_key: &str,
        options: CopyOptions,
    ) -> Result<()> {
        self.client().await?.copy_object(src_bucket, src_key, dst_bucket, dst_key, options).await
    }

    async fn presign(
        &self,
        method: PresignMethod,
        bucket: &str,
        key: &str,
        options: PresignOptions,
    ) -> Result<PresignedUrl> {
        self.client().await?.presign(method, bucket, key, options).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use cloud_core::{Error, ErrorKind, MemoryStorage, StorageClientExt};

    use super::*;

    /// A `Lazy` over one `MemoryStorage` whose first `failures` connections fail; counts them.
    fn lazy(failures: usize) -> (Lazy<MemoryStorage>, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let store = MemoryStorage::new();
        let counter = Arc::clone(&calls);
        let connect: Connect<MemoryStorage> = Arc::new(move || {
            let store = store.clone();
            let call = counter.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if call < failures {
                    Err(Error::new(ErrorKind::Unauthenticated, "the password was refused"))
                } else {
                    Ok(store)
                }
            })
        });
        let caps = MemoryStorage::new().capabilities();
        (Lazy::new(CloudProvider::Local, caps, "lazy memory".to_owned(), connect), calls)
    }

    #[tokio::test]
    async fn connects_once_on_first_use() {
        let (store, calls) = lazy(0);
        assert_eq!(store.to_string(), "lazy memory");
        assert_eq!(store.capabilities(), MemoryStorage::new().capabilities());
        let listing = store.list_buckets();
        assert_eq!(calls.load(Ordering::SeqCst), 0, "opening and describing must not connect");
        assert!(listing.try_collect::<Vec<_>>().await.unwrap().is_empty());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        store.ensure_bucket("bkt").await.unwrap();
        store.clone().put_bytes("bkt", "k", &b"v"[..]).await.unwrap();
        assert_eq!(store.get_bytes("bkt", "k").await.unwrap(), &b"v"[..]);
        assert_eq!(store.list_keys("bkt", "").await.unwrap(), ["k"]);
        assert_eq!(calls.load(Ordering::SeqCst), 1, "clones share the connection");
        assert_eq!(store.to_string(), MemoryStorage::new().to_string(), "connected, it shows its client");
    }

    #[tokio::test]
    async fn a_failed_connection_is_tried_again() {
        let (store, calls) = lazy(1);
        let err = store.bucket_exists("bkt").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unauthenticated);
        let err = store.list_entries("bkt", ListOptions::default()).try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "the second call connects and reaches the store: {err}");
        assert!(!store.bucket_exists("bkt").await.unwrap());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
