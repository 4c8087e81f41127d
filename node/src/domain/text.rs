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

#[cfg(test)]
mod tests {
    use super::*;

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
