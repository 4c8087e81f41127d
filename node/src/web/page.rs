//! The frame of every page (title, who is signed in, the form token): the error page needs it
//! too, so it imports nothing but the one-time form tokens.

/// What every page's frame needs: title, who is signed in, the form token.
#[derive(Debug, Clone, Default)]
pub struct Page<'a> {
    /// The page title (also the `<title>`).
    pub title: &'a str,
    /// The node's display name.
    pub node_name: String,
    /// The signed-in user's display name, if any.
    pub user_name: Option<String>,
    /// Anti-forgery token of the session (empty when signed out).
    pub csrf: String,
    /// Larger targets and fewer words (pupils).
    pub simple: bool,
    /// Whether to show the operator's menu entry.
    pub operator: bool,
    /// Unread notifications of the signed-in user (the bell).
    pub notifications: i64,
}

impl<'a> Page<'a> {
    /// A page for a visitor who is not signed in.
    pub fn anonymous(title: &'a str) -> Self {
        Self {
            title,
            node_name: "ENT".into(),
            ..Self::default()
        }
    }

    /// A fresh one-time submission token for one form (`web::once`): each call gives another.
    pub fn once(&self) -> String {
        super::once::token()
    }
}
