//! The words of spaces: roles, post states, settings and the texts members type, each parsed
//! once at the edge so that an invalid value cannot go further.

use serde::Serialize;

pub use crate::domain::space::{PostStatus, Role};

/// A space's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Pupils' and guests' posts wait for a moderator.
    pub premoderated: bool,
    /// Members may comment posts.
    pub comments_on: bool,
    /// Members may attach files.
    pub files_allowed: bool,
    /// Last moment posts are accepted (Unix seconds), 0 for no end.
    pub open_until: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            premoderated: true,
            comments_on: true,
            files_allowed: true,
            open_until: 0,
        }
    }
}

/// A space's title and description as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceText {
    /// 1–100 characters.
    pub title: String,
    /// 0–2,000 characters.
    pub description: String,
}

impl SpaceText {
    /// Checks lengths; the French message names the field.
    pub fn parse(title: &str, description: &str) -> Result<Self, &'static str> {
        let title = title.trim();
        let description = description.trim();
        if title.is_empty() || title.chars().count() > 100 {
            return Err("Le titre de l'espace doit faire entre 1 et 100 caractères.");
        }
        if crate::domain::refuse_control_chars(title, "Le titre").is_err() {
            return Err(
                "Le titre de l'espace contient un caractère de contrôle (invisible) : retapez-le \
                 sans copier-coller.",
            );
        }
        if description.chars().count() > 2000 {
            return Err("La description doit faire au plus 2 000 caractères.");
        }
        Ok(Self {
            title: title.into(),
            description: description.into(),
        })
    }
}

/// The text of a post or comment: 1–5,000 characters, kept as typed; formatting is applied at
/// display (paragraphs, line breaks, **gras**), after escaping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostText(String);

impl PostText {
    /// Checks the length.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.is_empty() {
            return Err("Le message est vide : écris quelque chose avant d'envoyer.");
        }
        if text.chars().count() > 5000 {
            return Err("Le message est trop long (5 000 caractères au plus).");
        }
        Ok(Self(text.replace("\r\n", "\n")))
    }

    /// The caption of a post that carries files: may be empty.
    pub fn caption(text: &str, has_files: bool) -> Result<Self, &'static str> {
        if has_files && text.trim().is_empty() {
            return Ok(Self(String::new()));
        }
        Self::parse(text)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub use crate::web::richtext::render_text;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_bounded() {
        assert!(PostText::parse("  ").is_err());
        assert!(PostText::parse(&"a".repeat(5001)).is_err());
        assert!(SpaceText::parse("", "").is_err());
        assert!(SpaceText::parse("Chorale\u{1b}[2J", "").is_err());
        assert!(SpaceText::parse("Chorale", "ligne 1\nligne 2").is_ok());
    }

    #[test]
    fn roles_and_statuses_round_trip() {
        for r in [Role::Owner, Role::Moderator, Role::Member, Role::Guest] {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        for s in [
            PostStatus::Sending,
            PostStatus::Pending,
            PostStatus::Published,
            PostStatus::Hidden,
            PostStatus::Refused,
        ] {
            assert_eq!(PostStatus::parse(s.code()), Some(s));
        }
        assert!(Role::Moderator.moderates() && !Role::Member.moderates());
    }
}
