//! The one text renderer of what people write (posts, comments, messages): escaped first,
//! then paragraphs, line breaks and `**gras**`. Nothing typed ever becomes markup otherwise.

/// HTML of a typed text: escaped, then paragraphs, line breaks and `**gras**`.
pub fn render_text(text: &str) -> String {
    let escaped = askama::filters::escape(text, askama::filters::Html)
        .map(|e| e.to_string())
        .unwrap_or_default();
    escaped
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", bold(p.trim()).replace('\n', "<br>")))
        .collect()
}

fn bold(text: &str) -> String {
    let parts: Vec<&str> = text.split("**").collect();
    if parts.len() < 3 {
        return text.to_owned();
    }
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        // An odd part is between two markers, unless it is the unclosed last one.
        let closed = i % 2 == 1 && i + 1 < parts.len();
        if closed {
            out.push_str("<strong>");
            out.push_str(part);
            out.push_str("</strong>");
        } else {
            if i % 2 == 1 {
                out.push_str("**");
            }
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn texts_are_escaped_before_formatting() {
        assert_eq!(
            super::render_text("Bonjour <b>\n**toi**\n\nfin **ouvert"),
            "<p>Bonjour &#60;b&#62;<br><strong>toi</strong></p><p>fin **ouvert</p>"
        );
    }
}
