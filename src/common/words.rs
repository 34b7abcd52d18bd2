//! Counts and sizes as sentences say them: "1 record", "2 records";
//! "812 bytes", "412 KB", "12.3 MB". The page's `www/format.js` says them
//! the same way.

/// `n` and the noun, singular for exactly one: `plural(1, "record",
/// "records")` is `1 record`. Counts of a thousand or more are grouped
/// with commas, as the page shows them (`1,234 records`).
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A size in bytes, KB, MB or GB (of 1,024), with the precision it needs:
/// bytes whole, KB whole from 10 KB (one decimal below), MB and GB with
/// one decimal.
/// Never "0.0 MB": a small file says its bytes.
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KB", "MB", "GB"];
    if bytes < 1024 {
        return plural(bytes, "byte", "bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    // Rounded as shown: 1,023.9 KB reads as 1.0 MB.
    while unit + 1 < UNITS.len() && value.round() >= 1024.0 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 && value >= 9.95 {
        format!("{} KB", grouped(value.round() as u64))
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(0, "record", "records"), "0 records");
        assert_eq!(plural(1, "record", "records"), "1 record");
        assert_eq!(plural(2, "record", "records"), "2 records");
        assert_eq!(plural(1234, "retry", "retries"), "1,234 retries");
        assert_eq!(plural(1_000_000, "page", "pages"), "1,000,000 pages");
        assert_eq!(plural(999, "page", "pages"), "999 pages");
    }

    #[test]
    fn sizes_have_the_precision_they_need() {
        let table = [
            (0, "0 bytes"),
            (1, "1 byte"),
            (812, "812 bytes"),
            (1023, "1,023 bytes"),
            (1024, "1.0 KB"),
            (1536, "1.5 KB"),
            (10_240, "10 KB"),
            (421_888, "412 KB"),
            (1_047_000, "1,022 KB"),
            (1_048_100, "1.0 MB"),
            (1_048_576, "1.0 MB"),
            (12_897_485, "12.3 MB"),
            (104_857_600, "100.0 MB"),
            (3 << 30, "3.0 GB"),
        ];
        for (bytes, shown) in table {
            assert_eq!(size(bytes), shown, "{bytes} bytes");
        }
    }
}
