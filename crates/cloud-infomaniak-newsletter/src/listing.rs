//! [`Listing`]: one page of a listing, with the pagination fields Infomaniak adds to it.

use cloud_core::stream::Page;
use cloud_core::{Error, ErrorKind, Result};

/// One page of a listing: its items and where it sits among the pages.
///
/// Infomaniak adds `total`, `page`, `pages` and `items_per_page` to an answer when the request
/// names a `page`; the streams always do.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Listing<T> {
    /// The items of this page (the answer's `data`).
    pub items: Vec<T>,
    /// How many items the whole listing has.
    pub total: Option<u64>,
    /// The number of this page, from 1.
    pub page: Option<u64>,
    /// How many pages the listing has.
    pub pages: Option<u64>,
    /// How many items a page holds.
    pub items_per_page: Option<u64>,
}

impl<T> Listing<T> {
    /// A page from its items and pagination fields.
    pub fn new(
        items: Vec<T>,
        total: Option<u64>,
        page: Option<u64>,
        pages: Option<u64>,
        per_page: Option<u64>,
    ) -> Self {
        Self { items, total, page, pages, items_per_page: per_page }
    }

    /// The number of the next page, or `None` on the last one (or when the answer did not say).
    ///
    /// ```
    /// use cloud_infomaniak_newsletter::Listing;
    /// let listing = Listing::new(vec![1, 2], Some(5), Some(2), Some(3), Some(2));
    /// assert_eq!(listing.next_page(), Some(3));
    /// assert_eq!(Listing::new(vec![5], Some(5), Some(3), Some(3), Some(2)).next_page(), None);
    /// ```
    pub fn next_page(&self) -> Option<u64> {
        match (self.page, self.pages) {
            (Some(page), Some(pages)) if page < pages && !self.items.is_empty() => Some(page + 1),
            _ => None,
        }
    }

    /// The page as a stream page, whose token is the next page's number.
    pub(crate) fn into_page(self) -> Page<T> {
        let next = self.next_page().map(|n| n.to_string());
        Page::new(self.items, next)
    }
}

/// The page number a stream token stands for (the streams' own tokens, so a bad one is a bug).
pub(crate) fn page_number(token: &str) -> Result<i64> {
    token.parse().map_err(|_| Error::new(ErrorKind::Unexpected, format!("{token:?} is not a page number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_page_numbers() {
        assert_eq!(page_number("7").unwrap(), 7);
        assert!(page_number("x").is_err());
        let page = Listing::new(vec!["a"], Some(3), Some(1), Some(3), Some(1)).into_page();
        assert_eq!(page.next.as_deref(), Some("2"));
        // An empty page ends the listing even if the counts disagree.
        assert_eq!(Listing::<u8>::new(vec![], Some(3), Some(1), Some(3), Some(1)).next_page(), None);
    }
}
