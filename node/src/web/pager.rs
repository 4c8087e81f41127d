//! Paging of long lists (a space's wall, received notices…): which page is shown, how many
//! there are, and the links between them, rendered by `templates/pager.html`.

use serde::Deserialize;

/// `?page=N` of a paged list (1 when absent or unreadable).
#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    /// Requested page, from 1.
    #[serde(default)]
    pub page: Option<usize>,
}

/// One page of a list.
#[derive(Debug, Clone)]
pub struct Pager {
    /// The page shown, from 1.
    pub page: usize,
    /// How many pages there are (at least 1).
    pub pages: usize,
    /// Items per page.
    pub per_page: usize,
    /// The page's address without `?page=` (`/espaces/…`).
    pub base: String,
    /// Accessible name of the navigation ("Pages de messages").
    pub label: &'static str,
    /// Link to the previous page ("Messages plus récents").
    pub newer: &'static str,
    /// Link to the next page ("Messages plus anciens").
    pub older: &'static str,
    /// Whether `pages` is the real count ("Page 2 sur 7") or only what is known of a list
    /// whose total was not counted (a mailbox: "Page 2", and an older page or not).
    pub counted: bool,
}

impl Pager {
    /// The `requested` page (clamped) of `total` items, `per_page` a page.
    pub fn new(requested: Option<usize>, total: usize, per_page: usize, base: &str) -> Self {
        let pages = total.div_ceil(per_page.max(1)).max(1);
        Self {
            page: requested.unwrap_or(1).clamp(1, pages),
            pages,
            per_page,
            base: base.to_owned(),
            label: "Pages",
            newer: "Plus récents",
            older: "Plus anciens",
            counted: true,
        }
    }

    /// The `requested` page of a list whose total is not counted (a count would cost as much
    /// as reading the whole list); [`Pager::more`] says, once the page is read, whether
    /// another follows.
    pub fn open_ended(requested: Option<usize>, per_page: usize, base: &str) -> Self {
        // Bounded: a forged `?page=` must not overflow the offset.
        let page = requested.unwrap_or(1).clamp(1, 1_000_000);
        Self {
            page,
            pages: page,
            counted: false,
            ..Self::new(None, 0, per_page, base)
        }
    }

    /// An open-ended pager told whether a page follows this one.
    pub fn more(mut self, more: bool) -> Self {
        self.pages = if more { self.page + 1 } else { self.page };
        self
    }

    /// The words of the navigation.
    pub fn words(mut self, label: &'static str, newer: &'static str, older: &'static str) -> Self {
        self.label = label;
        self.newer = newer;
        self.older = older;
        self
    }

    /// The address of page `page` (the base may already carry a query: filters).
    pub fn href(&self, page: usize) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{separator}page={page}", self.base)
    }

    /// How many items come before this page.
    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per_page
    }

    /// The items of this page, out of all of them.
    pub fn slice<'a, T>(&self, all: &'a [T]) -> &'a [T] {
        let start = self.offset().min(all.len());
        let end = (start + self.per_page).min(all.len());
        &all[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_clamped_and_sliced() {
        let items: Vec<usize> = (0..45).collect();
        let pager = Pager::new(Some(2), items.len(), 20, "/x");
        assert_eq!((pager.page, pager.pages), (2, 3));
        assert_eq!(pager.slice(&items), &items[20..40]);
        assert_eq!(Pager::new(Some(9), 45, 20, "/x").page, 3);
        assert_eq!(Pager::new(Some(0), 45, 20, "/x").page, 1);
        let empty = Pager::new(None, 0, 20, "/x");
        assert_eq!((empty.page, empty.pages), (1, 1));
        assert!(empty.slice::<usize>(&[]).is_empty());
    }

    #[test]
    fn open_ended_pages_know_only_whether_one_follows() {
        let first = Pager::open_ended(None, 20, "/x").more(true);
        assert_eq!((first.page, first.pages, first.offset()), (1, 2, 0));
        assert!(!first.counted);
        let last = Pager::open_ended(Some(3), 20, "/x").more(false);
        assert_eq!((last.page, last.pages, last.offset()), (3, 3, 40));
        let forged = Pager::open_ended(Some(usize::MAX), 20, "/x");
        assert_eq!(forged.page, 1_000_000);
        assert_eq!(Pager::open_ended(Some(0), 20, "/x").page, 1);
    }
}
