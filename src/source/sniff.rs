//! What a file that is not text looks like, from its first bytes (its
//! "magic number"), so that a PDF or a spreadsheet chosen by mistake is
//! refused with one message that names it, instead of being read as CSV
//! and failing somewhere inside.

/// A kind of binary file people export or download by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryKind {
    /// `%PDF`.
    Pdf,
    /// `PK\x03\x04`: a ZIP archive, which is also what `.xlsx`, `.docx`
    /// and `.numbers` files are.
    Zip,
    /// The OLE2 compound file of old Office files (`.xls`, `.doc`).
    OldOffice,
    /// PNG image.
    Png,
    /// JPEG image.
    Jpeg,
    /// GIF image.
    Gif,
    /// gzip-compressed data (`.gz`).
    Gzip,
    /// SQLite database.
    Sqlite,
    /// Apache Parquet.
    Parquet,
}

/// Each kind (in declaration order) with the bytes its files start with,
/// its code for programs (`looks_like` on the page's error) and what it is
/// for people, as it fits "This file looks like …". Every signature is at
/// most [`SNIFF_BYTES`] long.
// One row a kind, aligned, so it reads as a table (rustfmt would break the long rows).
#[rustfmt::skip]
const KINDS: [(BinaryKind, &[u8], &str, &str); 9] = [
    (BinaryKind::Pdf,       b"%PDF",             "pdf",        "a PDF document"),
    (BinaryKind::Zip,       b"PK\x03\x04",       "zip",        "a ZIP archive (an Excel .xlsx workbook is one)"),
    (BinaryKind::OldOffice, b"\xD0\xCF\x11\xE0", "old_office", "an old Office file (an Excel .xls workbook is one)"),
    (BinaryKind::Png,       b"\x89PNG",          "png",        "a PNG image"),
    (BinaryKind::Jpeg,      b"\xFF\xD8\xFF",     "jpeg",       "a JPEG image"),
    (BinaryKind::Gif,       b"GIF8",             "gif",        "a GIF image"),
    (BinaryKind::Gzip,      b"\x1F\x8B",         "gzip",       "gzip-compressed data"),
    (BinaryKind::Sqlite,    b"SQLi",             "sqlite",     "an SQLite database"),
    (BinaryKind::Parquet,   b"PAR1",             "parquet",    "a Parquet file"),
];

/// How many leading bytes [`binary_kind`] needs to decide.
pub(crate) const SNIFF_BYTES: usize = 4;

/// The binary kind `head` (the file's first bytes) starts as, if any.
/// A shorter head than a signature never matches it.
pub(crate) fn binary_kind(head: &[u8]) -> Option<BinaryKind> {
    KINDS
        .iter()
        .find(|(_, magic, _, _)| head.starts_with(magic))
        .map(|&(kind, _, _, _)| kind)
}

impl BinaryKind {
    /// The kind for programs (`looks_like` on the page's error).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the page (web)
    pub(crate) fn code(self) -> &'static str {
        KINDS[self as usize].2
    }

    /// What the file is, for people, as it fits "This file looks like …".
    pub(crate) fn description(self) -> &'static str {
        KINDS[self as usize].3
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_file_starts_are_named() {
        let cases: [(&[u8], BinaryKind); 9] = [
            (b"%PDF-1.4\n%\xE2\xE3\xCF\xD3", BinaryKind::Pdf),
            (b"PK\x03\x04\x14\x00\x06\x00", BinaryKind::Zip),
            (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", BinaryKind::OldOffice),
            (b"\x89PNG\r\n\x1A\n", BinaryKind::Png),
            (b"\xFF\xD8\xFF\xE0\x00\x10JFIF", BinaryKind::Jpeg),
            (b"GIF89a", BinaryKind::Gif),
            (b"\x1F\x8B\x08\x00", BinaryKind::Gzip),
            (b"SQLite format 3\x00", BinaryKind::Sqlite),
            (b"PAR1\x15\x04", BinaryKind::Parquet),
        ];
        for (head, kind) in cases {
            assert_eq!(binary_kind(head), Some(kind), "{head:?}");
            assert!(
                binary_kind(&head[..SNIFF_BYTES.min(head.len())]).is_some(),
                "{kind:?} is decided from {SNIFF_BYTES} bytes"
            );
        }
    }

    #[test]
    fn the_kinds_are_listed_in_declaration_order() {
        for (at, &(kind, _, _, _)) in KINDS.iter().enumerate() {
            assert_eq!(kind as usize, at, "{kind:?}");
        }
    }

    #[test]
    fn the_readme_names_every_kind() {
        let readme = include_str!("../../README.md");
        for (kind, _, _, _) in KINDS {
            assert!(readme.contains(&format!("`{}`", kind.code())), "{kind:?}");
        }
    }

    #[test]
    fn text_exports_are_not_binary() {
        for head in [
            &b"[{\"id\":1}]"[..],
            b"{\"page\":1",
            b"Customer ID,First Name",
            b"\xEF\xBB\xBFid;email",
            b"id\temail",
            b"PAR",
            b"%PD",
            b"PK,ID",
            b"Pdf,x",
            b"",
        ] {
            assert_eq!(binary_kind(head), None, "{head:?}");
        }
    }
}
