//! [`paginate`]: turns a page-fetching closure into a stream of items.

use std::collections::HashSet;
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
    enum State<F> {
        Start(F),
        Next(F, String, HashSet<String>),
        Done,
    }
    stream::try_unfold(State::Start(fetch), |state| async move {
        let (mut fetch, token, mut seen) = match state {
            State::Start(f) => (f, None, HashSet::new()),
            State::Next(f, t, seen) => (f, Some(t), seen),
            State::Done => return Ok(None),
        };
        let page = fetch(token.clone()).await?;
        if let Some(token) = token {
            seen.insert(token);
        }
        let next = match page.next {
            Some(next) if seen.contains(&next) => {
                return Err(Error::new(
                    ErrorKind::ResponseInvalid,
                    format!(
                        "the service returned the continuation token {next:?} again after {} pages: the listing loops",
                        seen.len()
                    ),
                ));
            }
            Some(next) if !next.is_empty() => State::Next(fetch, next, seen),
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
