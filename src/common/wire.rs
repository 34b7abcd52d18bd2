//! A compact byte encoding for what one worker hands another: a part of a
//! file read by one worker, sent as bytes (a transferable buffer) to the
//! worker that merges the parts ([`crate::split`]). Numbers are unsigned
//! LEB128 varints (signed ones zigzagged first), texts and bytes carry
//! their length first. There is no schema and no version: both ends run
//! the same module. Reading checks every length and tag, so bytes that are
//! not such an encoding give a [`WireError`], never a panic.

use std::fmt;

/// Bytes that are not what [`Wire::take`] expected (cut short, a tag out of
/// range, a text that is not UTF-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WireError;

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the bytes of a part are not what this module writes")
    }
}

impl std::error::Error for WireError {}

/// A value written to and read back from bytes.
pub(crate) trait Wire: Sized {
    /// Appends the value.
    fn put(&self, out: &mut Writer);
    /// Reads a value written by [`Wire::put`].
    ///
    /// # Errors
    /// [`WireError`] when the bytes are not one.
    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError>;
}

/// Bytes being written.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// An empty writer with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Writer {
            bytes: Vec::with_capacity(capacity),
        }
    }

    /// The bytes written.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// One byte.
    pub(crate) fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    /// An unsigned number, 7 bits a byte (1 byte below 128).
    pub(crate) fn uint(&mut self, mut value: u64) {
        while value >= 0x80 {
            self.bytes.push(value as u8 | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }

    /// A `usize`, as [`Writer::uint`].
    pub(crate) fn usize(&mut self, value: usize) {
        self.uint(value as u64);
    }

    /// A signed number, zigzagged (small magnitudes are short).
    pub(crate) fn int(&mut self, value: i64) {
        self.uint(((value << 1) ^ (value >> 63)) as u64);
    }

    /// A float, exactly (8 bytes).
    pub(crate) fn f64(&mut self, value: f64) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    /// A flag.
    pub(crate) fn bool(&mut self, value: bool) {
        self.u8(u8::from(value));
    }

    /// Bytes, their length first.
    pub(crate) fn bytes(&mut self, value: &[u8]) {
        self.usize(value.len());
        self.bytes.extend_from_slice(value);
    }

    /// A text, its length first.
    pub(crate) fn str(&mut self, value: &str) {
        self.bytes(value.as_bytes());
    }

    /// A value that may be absent: a flag, then the value.
    pub(crate) fn option<T: Wire>(&mut self, value: Option<&T>) {
        self.bool(value.is_some());
        if let Some(value) = value {
            value.put(self);
        }
    }

    /// A list: its length, then each value.
    pub(crate) fn list<T: Wire>(&mut self, values: &[T]) {
        self.usize(values.len());
        for value in values {
            value.put(self);
        }
    }
}

/// Bytes being read.
#[derive(Debug)]
pub(crate) struct WireReader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> WireReader<'a> {
    /// Reads `bytes` from the start.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        WireReader { bytes, at: 0 }
    }

    /// Checks that every byte was read.
    ///
    /// # Errors
    /// [`WireError`] when bytes are left over.
    pub(crate) fn end(&self) -> Result<(), WireError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(WireError)
        }
    }

    /// One byte.
    pub(crate) fn u8(&mut self) -> Result<u8, WireError> {
        let byte = *self.bytes.get(self.at).ok_or(WireError)?;
        self.at += 1;
        Ok(byte)
    }

    /// An unsigned number.
    pub(crate) fn uint(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WireError)
    }

    /// A `usize`.
    pub(crate) fn usize(&mut self) -> Result<usize, WireError> {
        usize::try_from(self.uint()?).map_err(|_| WireError)
    }

    /// A `u32`.
    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        u32::try_from(self.uint()?).map_err(|_| WireError)
    }

    /// A signed number.
    pub(crate) fn int(&mut self) -> Result<i64, WireError> {
        let zigzag = self.uint()?;
        Ok((zigzag >> 1) as i64 ^ -((zigzag & 1) as i64))
    }

    /// A float.
    pub(crate) fn f64(&mut self) -> Result<f64, WireError> {
        let bytes = self.take_bytes(8)?;
        let mut exact = [0u8; 8];
        exact.copy_from_slice(bytes);
        Ok(f64::from_le_bytes(exact))
    }

    /// A flag.
    pub(crate) fn bool(&mut self) -> Result<bool, WireError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(WireError),
        }
    }

    fn take_bytes(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        let end = self.at.checked_add(len).ok_or(WireError)?;
        let bytes = self.bytes.get(self.at..end).ok_or(WireError)?;
        self.at = end;
        Ok(bytes)
    }

    /// Bytes written by [`Writer::bytes`].
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], WireError> {
        let len = self.usize()?;
        self.take_bytes(len)
    }

    /// A text written by [`Writer::str`].
    pub(crate) fn str(&mut self) -> Result<&'a str, WireError> {
        std::str::from_utf8(self.bytes()?).map_err(|_| WireError)
    }

    /// A value written by [`Writer::option`].
    pub(crate) fn option<T: Wire>(&mut self) -> Result<Option<T>, WireError> {
        match self.bool()? {
            false => Ok(None),
            true => T::take(self).map(Some),
        }
    }

    /// A list written by [`Writer::list`].
    pub(crate) fn list<T: Wire>(&mut self) -> Result<Vec<T>, WireError> {
        let len = self.usize()?;
        // Each value takes at least a byte: a length beyond what is left is
        // not believed (no huge allocation from bad bytes).
        let mut values = Vec::with_capacity(len.min(self.bytes.len() - self.at));
        for _ in 0..len {
            values.push(T::take(self)?);
        }
        Ok(values)
    }
}

/// Implements [`Wire`] for values [`Writer`] and [`WireReader`] have a
/// method of their own for, of the same name (`u64` by `uint`).
macro_rules! wire_by_method {
    ($($ty:ty => $method:ident),+ $(,)?) => {
        $(impl Wire for $ty {
            fn put(&self, out: &mut Writer) {
                out.$method(*self);
            }

            fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
                from.$method()
            }
        })+
    };
}

wire_by_method!(u64 => uint, usize => usize, bool => bool);

impl Wire for String {
    fn put(&self, out: &mut Writer) {
        out.str(self);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        from.str().map(str::to_owned)
    }
}

impl Wire for std::borrow::Cow<'static, str> {
    fn put(&self, out: &mut Writer) {
        out.str(self);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        String::take(from).map(Self::Owned)
    }
}

impl Wire for Vec<u8> {
    fn put(&self, out: &mut Writer) {
        out.bytes(self);
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        from.bytes().map(<[u8]>::to_vec)
    }
}

impl<T: Wire> Wire for Option<T> {
    fn put(&self, out: &mut Writer) {
        out.option(self.as_ref());
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        from.option()
    }
}

impl Wire for chrono::NaiveDate {
    fn put(&self, out: &mut Writer) {
        use chrono::Datelike;
        out.int(i64::from(self.num_days_from_ce()));
    }

    fn take(from: &mut WireReader<'_>) -> Result<Self, WireError> {
        let days = i32::try_from(from.int()?).map_err(|_| WireError)?;
        chrono::NaiveDate::from_num_days_from_ce_opt(days).ok_or(WireError)
    }
}

/// Implements [`Wire`] for a struct whose fields are each [`Wire`]: `put`
/// writes them in the order named and `take` reads them back in that same
/// order, so the two cannot disagree.
macro_rules! wire_fields {
    ($ty:ty { $($field:ident),+ $(,)? }) => {
        impl $crate::common::wire::Wire for $ty {
            fn put(&self, out: &mut $crate::common::wire::Writer) {
                $($crate::common::wire::Wire::put(&self.$field, out);)+
            }

            fn take(
                from: &mut $crate::common::wire::WireReader<'_>,
            ) -> Result<Self, $crate::common::wire::WireError> {
                Ok(Self {
                    $($field: $crate::common::wire::Wire::take(from)?,)+
                })
            }
        }
    };
}

pub(crate) use wire_fields;

/// Reads a `T` that is the whole of `bytes`.
///
/// # Errors
/// [`WireError`] when the bytes are not a `T`, or more than one.
pub(crate) fn decode<T: Wire>(bytes: &[u8]) -> Result<T, WireError> {
    let mut from = WireReader::new(bytes);
    let value = T::take(&mut from)?;
    from.end()?;
    Ok(value)
}

/// Writes `value` and reads it back, checking that every byte is read
/// (the tests of each type's encoding).
#[cfg(test)]
pub(crate) fn round_trip<T: Wire>(value: &T) -> Result<T, WireError> {
    let mut out = Writer::default();
    value.put(&mut out);
    decode(&out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_back_exactly_and_small_ones_are_short() {
        for value in [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            assert_eq!(round_trip(&value), Ok(value));
        }
        let mut out = Writer::default();
        out.uint(127);
        out.uint(128);
        assert_eq!(out.into_bytes(), [0x7f, 0x80, 0x01]);
        for value in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX] {
            let mut out = Writer::default();
            out.int(value);
            let bytes = out.into_bytes();
            assert_eq!(WireReader::new(&bytes).int(), Ok(value));
        }
        for value in [0.0, -0.0, 1.5, f64::MAX, f64::MIN_POSITIVE] {
            let mut out = Writer::default();
            out.f64(value);
            let bytes = out.into_bytes();
            assert_eq!(
                WireReader::new(&bytes).f64().map(f64::to_bits),
                Ok(value.to_bits())
            );
        }
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(round_trip(&date), Ok(date));
    }

    #[test]
    fn texts_and_lists_come_back() {
        let texts = vec![String::new(), "Émile".to_owned(), "a\"b\n".to_owned()];
        let mut out = Writer::default();
        out.list(&texts);
        out.option(Some(&"x".to_owned()));
        out.option::<String>(None);
        let bytes = out.into_bytes();
        let mut from = WireReader::new(&bytes);
        assert_eq!(from.list::<String>(), Ok(texts));
        assert_eq!(from.option::<String>(), Ok(Some("x".to_owned())));
        assert_eq!(from.option::<String>(), Ok(None));
        assert_eq!(from.end(), Ok(()));
    }

    #[test]
    fn bytes_that_are_not_an_encoding_are_an_error() {
        // Cut short, a length past the end, a number too long, bad UTF-8,
        // a flag that is neither, bytes left over.
        assert_eq!(WireReader::new(&[]).u8(), Err(WireError));
        assert_eq!(WireReader::new(&[5, b'a']).str(), Err(WireError));
        assert_eq!(WireReader::new(&[0xff; 11]).uint(), Err(WireError));
        assert_eq!(WireReader::new(&[1, 0xff]).str(), Err(WireError));
        assert_eq!(WireReader::new(&[2]).bool(), Err(WireError));
        assert_eq!(
            WireReader::new(&[0xff, 0xff, 0xff, 0xff, 0x7f]).list::<u64>(),
            Err(WireError)
        );
        let mut from = WireReader::new(&[1, 2]);
        assert_eq!(from.uint(), Ok(1));
        assert_eq!(from.end(), Err(WireError));
    }
}
