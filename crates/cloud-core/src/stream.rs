//! [`paginate`]: turns a page-fetching closure into a stream of items.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};

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
/// after a page without a token, and after the first error. A service that returns a token it
/// already returned (the same token twice in a row, or a cycle `A → B → A`) would loop forever;
/// that is reported as `ResponseInvalid` instead.
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
    Paginate { fetch, pending: None, items: Vec::new().into_iter(), next: Next::First, seen: HashSet::new() }.boxed()
}

/// The stream behind [`paginate`]: the items of the current page are handed out one by one,
/// straight from the page (a listing moves each item once here, whatever its size).
struct Paginate<T, F, Fut> {
    fetch: F,
    /// The page being fetched, and the token it was asked for with.
    pending: Option<(Pin<Box<Fut>>, Option<String>)>,
    /// What is left of the current page.
    items: std::vec::IntoIter<T>,
    /// Which page comes after the current one.
    next: Next,
    /// The tokens asked for so far.
    seen: HashSet<String>,
}

enum Next {
    First,
    Token(String),
    /// No page is due after the one in hand or being fetched: the last page came, or an error
    /// ended the listing.
    Done,
}

// Nothing is pinned in place: the fetch future is boxed, and `fetch` is only called by `&mut`.
impl<T, F, Fut> Unpin for Paginate<T, F, Fut> {}

impl<T, F, Fut> Stream for Paginate<T, F, Fut>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<Page<T>>>,
{
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.items.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            let (future, _) = match &mut this.pending {
                Some(pending) => pending,
                None => {
                    let token = match std::mem::replace(&mut this.next, Next::Done) {
                        Next::Done => return Poll::Ready(None),
                        Next::First => None,
                        Next::Token(token) => Some(token),
                    };
                    let future = Box::pin((this.fetch)(token.clone()));
                    this.pending.insert((future, token))
                }
            };
            let page = std::task::ready!(future.as_mut().poll(cx));
            let asked = this.pending.take().and_then(|(_, token)| token);
            let page = match page {
                Ok(page) => page,
                Err(e) => return Poll::Ready(Some(Err(e))),
            };
            if let Some(token) = asked {
                this.seen.insert(token);
            }
            match page.next {
                Some(next) if this.seen.contains(&next) => {
                    return Poll::Ready(Some(Err(Error::new(
                        ErrorKind::ResponseInvalid,
                        format!(
                            "the service returned the continuation token {next:?} again after {} pages: the listing loops",
                            this.seen.len()
                        ),
                    ))));
                }
                Some(next) if !next.is_empty() => this.next = Next::Token(next),
                _ => {}
            }
            this.items = page.items.into_iter();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures::TryStreamExt;

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

    /// A cycle `A → B → A` looped forever: only a token repeated twice in a row was caught.
    #[tokio::test]
    async fn a_token_cycle_is_an_error_not_a_loop() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let s = paginate(move |token: Option<String>| {
            c.fetch_add(1, Ordering::SeqCst);
            async move {
                let next = match token.as_deref() {
                    None | Some("B") => "A",
                    _ => "B",
                };
                Ok(Page::new(vec![1], Some(next.to_owned())))
            }
        });
        let result: Result<Vec<i32>> =
            tokio::time::timeout(std::time::Duration::from_secs(10), s.try_collect()).await.expect("the listing loops");
        assert_eq!(result.unwrap_err().kind(), ErrorKind::ResponseInvalid);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
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

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            /// A service whose page `i` points at an arbitrary page (or at the end): the listing
            /// ends after at most one visit of every page, either with every item of the chain or
            /// with `ResponseInvalid` when the chain loops.
            #[test]
            fn any_page_script_terminates(links in proptest::collection::vec(proptest::option::of(0usize..20), 1..20)) {
                let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
                let script = links.clone();
                let calls = Arc::new(AtomicUsize::new(0));
                let c = calls.clone();
                let result: Result<Vec<usize>> = runtime.block_on(
                    paginate(move |token: Option<String>| {
                        c.fetch_add(1, Ordering::SeqCst);
                        let page = token.map_or(0, |t| t.parse::<usize>().unwrap());
                        let next = script[page].map(|n| (n % script.len()).to_string());
                        async move { Ok(Page::new(vec![page], next)) }
                    })
                    .try_collect(),
                );
                // The reference: the first page is asked for without a token; follow the tokens
                // until the chain ends or a token comes back.
                let mut chain = vec![0];
                let mut tokens = Vec::new();
                let mut looped = false;
                while let Some(next) = links[*chain.last().unwrap()].map(|n| n % links.len()) {
                    if tokens.contains(&next) {
                        looped = true;
                        break;
                    }
                    tokens.push(next);
                    chain.push(next);
                }
                prop_assert_eq!(calls.load(Ordering::SeqCst), chain.len());
                match result {
                    Ok(items) => prop_assert!(!looped && items == chain),
                    Err(err) => prop_assert!(looped && err.kind() == ErrorKind::ResponseInvalid),
                }
            }
        }
    }
}
