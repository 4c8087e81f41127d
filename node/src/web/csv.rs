//! CSV exports (the journal, and any later one): one writer, and one rule for cells, so that
//! no export can be opened as formulas by a spreadsheet.

use std::borrow::Cow;

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, AppResult};

/// A cell as written: a value a spreadsheet would read as a formula (starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading apostrophe, which makes it text (CSV
/// injection; OWASP's advice).
pub fn cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A CSV file to download: `header` then `rows`, every cell through [`cell`].
pub fn download<R, C>(filename: &str, header: &[&str], rows: R) -> AppResult<Response>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header.iter().map(|h| cell(h).into_owned()))
        .map_err(AppError::internal)?;
    for row in rows {
        let cells: Vec<String> = row
            .into_iter()
            .map(|c| cell(c.as_ref()).into_owned())
            .collect();
        out.write_record(&cells).map_err(AppError::internal)?;
    }
    let body = out.into_inner().map_err(AppError::internal)?;
    let disposition = format!("attachment; filename=\"{filename}\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formula_cells_are_neutralised() {
        for formula in [
            "=1+1",
            "+33 6",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"x\")",
        ] {
            assert_eq!(cell(formula), format!("'{formula}"), "{formula:?}");
        }
        for plain in ["Léa Martin", "1+1", "", "a=b", " =x"] {
            assert_eq!(cell(plain), plain, "{plain:?}");
        }
    }
}
