//! Name handling shared by identifiers and import matching.

use unicode_normalization::UnicodeNormalization;

/// Removes accents and keeps ASCII letters, digits and separators: "Élodie-Anaïs" → "Elodie-Anais".
pub fn fold_ascii(value: &str) -> String {
    value.nfkd().filter(|c| c.is_ascii()).collect::<String>()
}

/// The form used to compare names from two imports: no accents, lower case, single spaces,
/// apostrophes and hyphens treated as spaces ("D'ANGELO  Zoé" = "d angelo zoe").
pub fn normalize_name(value: &str) -> String {
    let folded = fold_ascii(value).to_lowercase();
    folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Léa M.": the first name and the initial of the (usage) last name. The one form in which
/// classmates see each other and in which a person ever crosses a link (SPEC §6).
pub fn short_name(first_name: &str, last_name: &str) -> String {
    match last_name.trim().chars().next() {
        Some(initial) => format!("{} {initial}.", first_name.trim()),
        None => first_name.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_keep_the_initial_only() {
        assert_eq!(short_name("Léa", "Martin"), "Léa M.");
        assert_eq!(short_name("Éloïse", "  Ébrard"), "Éloïse É.");
        assert_eq!(short_name("Inès", ""), "Inès");
    }

    #[test]
    fn accents_case_and_punctuation_do_not_matter() {
        assert_eq!(
            normalize_name("D'ANGELO  Zoé"),
            normalize_name("d angelo zoe")
        );
        assert_eq!(fold_ascii("Élodie-Anaïs Çetin"), "Elodie-Anais Cetin");
        assert_eq!(normalize_name("  Jean--Pierre "), "jean pierre");
    }
}
