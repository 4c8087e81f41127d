//! Name handling shared by identifiers and import matching.

use unicode_normalization::UnicodeNormalization;

/// Removes accents and keeps ASCII letters, digits and separators: "Élodie-Anaïs" → "Elodie-Anais".
///
/// The ligatures that Unicode does not decompose are spelled out as French writes them
/// without them ("Cœur" → "Coeur", "Lætitia" → "Laetitia"), so they never vanish from an
/// identifier or a matching key.
pub fn fold_ascii(value: &str) -> String {
    let mut folded = String::with_capacity(value.len());
    for c in value.nfkd() {
        match c {
            'œ' => folded.push_str("oe"),
            'Œ' => folded.push_str("OE"),
            'æ' => folded.push_str("ae"),
            'Æ' => folded.push_str("AE"),
            'ß' => folded.push_str("ss"),
            c if c.is_ascii() => folded.push(c),
            _ => {}
        }
    }
    folded
}

/// Whether `c` must never be part of a name: control characters (C0, DEL, C1), which can
/// drive an operator's terminal, and the invisible bidirectional controls, which reorder
/// what is shown.
pub fn is_forbidden_in_name(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The one rule for every name a person types or a file brings (people, classes, spaces,
/// groups): no control characters. `what` names the field in the French message.
pub fn refuse_control_chars(value: &str, what: &str) -> Result<(), super::InvalidValue> {
    if value.chars().any(is_forbidden_in_name) {
        return Err(super::InvalidValue::new(format!(
            "{what} contient un caractère de contrôle (invisible) : retapez-le sans copier-coller"
        )));
    }
    Ok(())
}

/// `value` safe to print on a terminal: every forbidden character becomes `\u{…}`, visible
/// and harmless (names stored before the rule existed may still hold some).
pub fn printable(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.chars().any(is_forbidden_in_name) {
        return std::borrow::Cow::Borrowed(value);
    }
    let mut shown = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if is_forbidden_in_name(c) {
            shown.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            shown.push(c);
        }
    }
    std::borrow::Cow::Owned(shown)
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

    #[test]
    fn ligatures_are_spelled_out() {
        assert_eq!(
            fold_ascii("Cœur Lætitia ŒDIPE Æsa"),
            "Coeur Laetitia OEDIPE AEsa"
        );
        assert_eq!(normalize_name("Cœur"), normalize_name("COEUR"));
    }

    #[test]
    fn control_characters_are_refused_and_shown_escaped() {
        assert!(refuse_control_chars("Zoé D'Angelo-Nuñez", "Le nom").is_ok());
        for bad in [
            "a\u{1b}[2J",
            "a\tb",
            "a\nb",
            "a\u{7f}",
            "a\u{9b}b",
            "a\u{202e}b",
        ] {
            let error = refuse_control_chars(bad, "Le nom").expect_err(bad);
            assert!(error.0.starts_with("Le nom contient"), "{error}");
        }
        assert_eq!(printable("Léa"), "Léa");
        assert_eq!(printable("x\u{1b}[31m"), "x\\u{1b}[31m");
    }
}
