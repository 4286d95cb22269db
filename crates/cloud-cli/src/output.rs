//! What commands print on stdout: JSON for scripts, aligned columns for people.

use std::io::Write;

use cloud::{Error, Result};
use serde::Serialize;

/// `value` as pretty JSON and a newline on stdout.
pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| Error::from(std::io::Error::from(e)))?;
    writeln!(out)?;
    Ok(())
}

/// A header and rows on stdout, each column as wide as its widest cell, two spaces apart, with
/// no trailing blanks.
pub(crate) fn print_table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(table(header, rows).as_bytes())?;
    Ok(())
}

fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    let mut line = |cells: [&str; N]| {
        let start = text.len();
        for (cell, width) in cells.iter().zip(widths) {
            text.push_str(cell);
            text.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
        }
        let end = text[start..].trim_end_matches(' ').len();
        text.truncate(start + end);
        text.push('\n');
    };
    line(header);
    for row in rows {
        line(row.each_ref().map(String::as_str));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_on_the_widest_cell_and_the_last_is_not_padded() {
        let rows = [
            ["web-1".to_owned(), "ACTIVE".to_owned(), "a b".to_owned()],
            ["db".to_owned(), "SHUTOFF".to_owned(), String::new()],
        ];
        assert_eq!(
            table(["NAME", "STATUS", "NOTE"], &rows),
            "NAME   STATUS   NOTE\nweb-1  ACTIVE   a b\ndb     SHUTOFF\n"
        );
        assert_eq!(table(["ONLY"], &[["é".to_owned()]]), "ONLY\né\n");
    }
}
