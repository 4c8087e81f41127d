//! Storage quotas: how much one member may write per day, and one place (a space, later a
//! mailbox or a homework book) may hold. The rule and its French messages live here once; each
//! service measures its own usage (its tables) and asks [`check`] inside the transaction that
//! writes, after taking that place's write lock, so that two sends at once cannot both pass
//! (pending items, such as posts awaiting moderation, count: they are stored).

use ent_config::QuotasSection;

/// The window of the per-member quotas: the last 24 hours.
pub const DAY_SECS: i64 = 86_400;

/// The limits, from `[quotas]`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Items (posts, comments, messages) one member may write per day.
    pub member_daily_items: i64,
    /// Bytes of files one member may send per day.
    pub member_daily_bytes: i64,
    /// Bytes of files one place may hold.
    pub place_bytes: i64,
}

impl Limits {
    /// From the configuration.
    pub fn of(config: &QuotasSection) -> Self {
        let mib = |n: u64| i64::try_from(n.saturating_mul(1024 * 1024)).unwrap_or(i64::MAX);
        Self {
            member_daily_items: i64::try_from(config.member_daily_posts).unwrap_or(i64::MAX),
            member_daily_bytes: mib(config.member_daily_mib),
            place_bytes: mib(config.space_mib),
        }
    }
}

/// What is stored already.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// Items the member wrote in the last 24 hours.
    pub member_items: i64,
    /// Bytes of files the member sent in the last 24 hours.
    pub member_bytes: i64,
    /// Bytes of files the place holds.
    pub place_bytes: i64,
}

/// Which quota a write would pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// Too many items today.
    MemberItems,
    /// Too many bytes today.
    MemberBytes,
    /// The place is full.
    PlaceBytes,
}

impl Exceeded {
    /// What the writer reads (their text is kept in the form), child or adult: neutral wording.
    pub fn message(self, limits: &Limits) -> String {
        match self {
            Self::MemberItems => format!(
                "Déjà {} messages en 24 heures : c'est le maximum. Le texte est gardé ci-dessous, il pourra partir demain.",
                limits.member_daily_items
            ),
            Self::MemberBytes => format!(
                "Déjà {} de fichiers envoyés en 24 heures : c'est le maximum. Le message peut partir sans fichier, ou demain.",
                size_label(limits.member_daily_bytes)
            ),
            Self::PlaceBytes => format!(
                "Cet espace est plein ({} de fichiers). Le message peut partir sans fichier ; le responsable de l'espace peut faire de la place.",
                size_label(limits.place_bytes)
            ),
        }
    }
}

/// Whether adding `items` items and `bytes` bytes keeps within every limit.
pub fn check(limits: &Limits, usage: &Usage, items: i64, bytes: i64) -> Result<(), Exceeded> {
    if usage.member_items.saturating_add(items) > limits.member_daily_items {
        return Err(Exceeded::MemberItems);
    }
    if bytes > 0 {
        if usage.member_bytes.saturating_add(bytes) > limits.member_daily_bytes {
            return Err(Exceeded::MemberBytes);
        }
        if usage.place_bytes.saturating_add(bytes) > limits.place_bytes {
            return Err(Exceeded::PlaceBytes);
        }
    }
    Ok(())
}

/// "100 Mo", "1,5 Go".
fn size_label(bytes: i64) -> String {
    let mib = bytes as f64 / 1_048_576.0;
    if mib >= 1024.0 {
        format!("{:.1} Go", mib / 1024.0)
            .replace(".0 ", " ")
            .replace('.', ",")
    } else {
        format!("{mib:.0} Mo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_quota_is_checked_with_what_is_being_added() {
        let limits = Limits {
            member_daily_items: 3,
            member_daily_bytes: 10,
            place_bytes: 20,
        };
        let usage = Usage {
            member_items: 2,
            member_bytes: 4,
            place_bytes: 15,
        };
        assert_eq!(check(&limits, &usage, 1, 5), Ok(()));
        assert_eq!(check(&limits, &usage, 2, 0), Err(Exceeded::MemberItems));
        assert_eq!(check(&limits, &usage, 1, 7), Err(Exceeded::MemberBytes));
        let full = Usage {
            place_bytes: 19,
            ..usage
        };
        assert_eq!(check(&limits, &full, 1, 2), Err(Exceeded::PlaceBytes));
        assert_eq!(
            check(&limits, &full, 1, 0),
            Ok(()),
            "a text-only post still fits"
        );
        assert!(
            Exceeded::PlaceBytes
                .message(&Limits::of(&QuotasSection::default()))
                .contains("2 Go")
        );
    }
}
