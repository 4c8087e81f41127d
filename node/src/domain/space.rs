//! The words of spaces every layer needs: a member's role and where a post stands (the policy
//! decides with them, so they live below every feature).

use serde::Serialize;

/// What a member is in a space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created the space; runs it.
    Owner,
    /// A teacher of a member class: moderates.
    Moderator,
    /// A pupil.
    Member,
    /// Someone admitted to this space only (a partner, a remote teacher on their own).
    Guest,
}

impl Role {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Moderator => "moderator",
            Self::Member => "member",
            Self::Guest => "guest",
        }
    }

    /// From a stored (or received) code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "owner" => Some(Self::Owner),
            "moderator" => Some(Self::Moderator),
            "member" => Some(Self::Member),
            "guest" => Some(Self::Guest),
            _ => None,
        }
    }

    /// French label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Responsable",
            Self::Moderator => "Modérateur",
            Self::Member => "Élève",
            Self::Guest => "Invité",
        }
    }

    /// Owner and moderators moderate.
    pub fn moderates(self) -> bool {
        matches!(self, Self::Owner | Self::Moderator)
    }
}

/// Where a post stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostStatus {
    /// Written on a member node, not yet accepted by the host (queued while it is away).
    Sending,
    /// Waits for a moderator.
    Pending,
    /// Seen by every member.
    Published,
    /// Hidden by a moderator (moderators still see it, to restore it).
    Hidden,
    /// Sent from a member node and refused by the host for good (its author sees why not).
    Refused,
}

impl PostStatus {
    /// Stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Pending => "pending",
            Self::Published => "published",
            Self::Hidden => "hidden",
            Self::Refused => "refused",
        }
    }

    /// From a stored (or received) code.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "sending" => Some(Self::Sending),
            "pending" => Some(Self::Pending),
            "published" => Some(Self::Published),
            "hidden" => Some(Self::Hidden),
            "refused" => Some(Self::Refused),
            _ => None,
        }
    }
}
