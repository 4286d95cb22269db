//! [`paginate`]: turns a page-fetching closure into a stream of items.

use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::{Error, ErrorKind, Result};

/// One page of a listing: its items and the token of the next page, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The continuation token (marker, `pageToken`, `NextContinuationToken` …) of the next page;
    /// `None` on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page from its items and next token.
    pub fn new(items: Vec<T>, next: Option<String>) -> Self {
        Self { items, next }
    }
}

/// Streams every item of a paginated listing, fetching a page only when the previous one is used up.
///
/// `fetch` receives `None` for the first page and then each page's `next` token. The stream ends
/// after a page without a token, and after the first error. A service that returns the same token
/// twice in a row would loop forever; that is reported as `ResponseInvalid` instead.
///
/// ```
/// use cloud_core::stream::{paginate, Page};
/// use futures::TryStreamExt;
/// # tokio_test(async {
/// let items: Vec<u32> = paginate(|token: Option<String>| async move {
///     let start: u32 = token.map_or(0, |t| t.parse().unwrap());
///     let next = (start < 4).then(|| (start + 2).to_string());
///     Ok(Page::new(vec![start, start + 1], next))
/// })
/// .try_collect()
/// .await?;
/// assert_eq!(items, [0, 1, 2, 3, 4, 5]);
/// # Ok::<(), cloud_core::Error>(()) });
/// # fn tokio_test<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f) }
/// ```
pub fn paginate<T, F, Fut>(fetch: F) -> BoxStream<'static, Result<T>>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    enum State<F> {
        Start(F),
        Next(F, String),
        Done,
    }
    stream::try_unfold(State::Start(fetch), |state| async move {
        let (mut fetch, token) = match state {
            State::Start(f) => (f, None),
            State::Next(f, t) => (f, Some(t)),
            State::Done => return Ok(None),
        };
        let page = fetch(token.clone()).await?;
        let next = match page.next {
            Some(next) if token.as_deref() == Some(next.as_str()) => {
                return Err(Error::new(
                    ErrorKind::ResponseInvalid,
                    format!("the service returned the continuation token {next:?} twice in a row"),
                ));
            }
            Some(next) if !next.is_empty() => State::Next(fetch, next),
            _ => State::Done,
        };
        Ok(Some((stream::iter(page.items.into_iter().map(Ok)), next)))
    })
    .try_flatten()
    .boxed()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn fetches_lazily_and_stops_on_last_page() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let mut s = paginate(move |token: Option<String>| {
            c.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(match token.as_deref() {
                    None => Page::new(vec![1, 2], Some("b".into())),
                    Some("b") => Page::new(vec![], Some("c".into())),
                    Some("c") => Page::new(vec![3], None),
                    Some(other) => panic!("unexpected token {other}"),
                })
            }
        });
        assert_eq!(s.try_next().await.unwrap(), Some(1));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let rest: Vec<i32> = s.try_collect().await.unwrap();
        assert_eq!(rest, [2, 3]);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn repeated_token_is_an_error_not_a_loop() {
        let s = paginate(|_token: Option<String>| async { Ok(Page::new(vec![1], Some("same".into()))) });
        let result: Result<Vec<i32>> = s.try_collect().await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::ResponseInvalid);
    }

    #[tokio::test]
    async fn error_ends_the_stream() {
        let s = paginate(|token: Option<String>| async move {
            match token {
                None => Ok(Page::new(vec![1], Some("x".into()))),
                Some(_) => Err(Error::from_status(500, "boom")),
            }
        });
        let items: Vec<Result<i32>> = s.collect().await;
        assert_eq!(items.len(), 2);
        assert!(items[1].is_err());
    }
}
