//! The NHTSA recall flat file (`FLAT_RCL.txt`) read into typed [`RecallRecord`]s.
//!
//! One line per campaign, make, model and model year; fields separated by tabs; dates
//! `YYYYMMDD`. Both layouts NHTSA has published are accepted: the older 24-field one and
//! the 27-field one of March 2020 (three manufacturer-supplied component fields added).
//! A line that cannot be read becomes a [`RecordError`] carrying its line number, and the
//! lines after it are still read: see [`parse_flat_file`].

use chrono::NaiveDate;
use thiserror::Error;

/// Fields per line in the layout before March 2020.
pub const LEGACY_FIELDS: usize = 24;
/// Fields per line in the layout since March 2020.
pub const CURRENT_FIELDS: usize = 27;

/// One line of the flat file: a campaign as it affects one make, model and model year.
/// Text fields are trimmed; empty optional fields are `None` or the empty string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecallRecord {
    /// The 1-based line of the file the record was read from.
    pub line: usize,
    /// `RECORD_ID`: the running number that identifies the line.
    pub record_id: u64,
    /// `CAMPNO`: the NHTSA campaign number, such as `02V288000`.
    pub campaign: String,
    /// `MAKETXT`: the vehicle or equipment make.
    pub make: String,
    /// `MODELTXT`: the vehicle or equipment model.
    pub model: String,
    /// `YEARTXT`: the model year; `None` where the file says 9999 (unknown) or nothing.
    pub model_year: Option<u16>,
    /// `MFGCAMPNO`: the manufacturer's own campaign number.
    pub mfr_campaign: String,
    /// `COMPNAME`: the component, such as `ELECTRICAL SYSTEM:BATTERY:CABLES`.
    pub component: String,
    /// `MFGNAME`: the manufacturer that filed the report.
    pub manufacturer: String,
    /// `BGMAN`: first day of manufacture of the affected units.
    pub built_from: Option<NaiveDate>,
    /// `ENDMAN`: last day of manufacture of the affected units.
    pub built_to: Option<NaiveDate>,
    /// `RCLTYPECD`: `V` vehicle, `E` equipment, `T` tire, `C` child seat.
    pub recall_type: String,
    /// `POTAFF`: units potentially affected.
    pub potentially_affected: Option<u64>,
    /// `ODATE`: the day owners were notified.
    pub owners_notified: Option<NaiveDate>,
    /// `INFLUENCED_BY`: who initiated the recall (`MFR`, `OVSC`, `ODI`).
    pub initiator: String,
    /// `MFGTXT`: the manufacturers of the recalled products.
    pub manufacturers: String,
    /// `RCDATE`: the day NHTSA received the report.
    pub report_received: Option<NaiveDate>,
    /// `DATEA`: the day the record was created.
    pub record_created: Option<NaiveDate>,
    /// `RPNO`: the regulation part number (a noncompliance).
    pub regulation_part: String,
    /// `FMVSS`: the Federal Motor Vehicle Safety Standard not complied with.
    pub fmvss: String,
    /// `DESC_DEFECT`: the defect summary.
    pub defect: String,
    /// `CONEQUENCE_DEFECT`: the consequence summary.
    pub consequence: String,
    /// `CORRECTIVE_ACTION`: the remedy summary.
    pub corrective_action: String,
    /// `NOTES`: recall notes.
    pub notes: String,
    /// `RCL_CMPT_ID`: the number that identifies the recalled component.
    pub component_id: String,
    /// `MFR_COMP_NAME`, `MFR_COMP_DESC`, `MFR_COMP_PTNO`: the manufacturer-supplied
    /// component name, description and part number (27-field layout only).
    pub mfr_component: Option<[String; 3]>,
}

/// Why a line of the flat file could not be read. Each variant carries the 1-based line;
/// the message (`Display`) does not repeat it, so that a caller can print `FILE:LINE: msg`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordError {
    /// The line does not have 24 or 27 tab-separated fields.
    #[error("expected {LEGACY_FIELDS} or {CURRENT_FIELDS} tab-separated fields, found {found}")]
    FieldCount {
        /// The line.
        line: usize,
        /// How many fields it has.
        found: usize,
    },
    /// A required field is empty.
    #[error("missing {field}")]
    Missing {
        /// The line.
        line: usize,
        /// The field's name in the NHTSA layout and what it holds.
        field: &'static str,
    },
    /// The campaign number has characters other than `A-Z` and `0-9`.
    #[error("campaign number `{value}` is not letters A-Z and digits only")]
    BadCampaign {
        /// The line.
        line: usize,
        /// The campaign number as written.
        value: String,
    },
    /// A date field is not a real date written `YYYYMMDD`.
    #[error("{field} `{value}` is not a date written YYYYMMDD")]
    BadDate {
        /// The line.
        line: usize,
        /// The field's name.
        field: &'static str,
        /// The text of the field.
        value: String,
    },
    /// A number field is not a whole number.
    #[error("{field} `{value}` is not a whole number")]
    BadNumber {
        /// The line.
        line: usize,
        /// The field's name.
        field: &'static str,
        /// The text of the field.
        value: String,
    },
    /// The manufacture dates are the wrong way round.
    #[error("manufacture begins (BGMAN {from}) after it ends (ENDMAN {to})")]
    DateOrder {
        /// The line.
        line: usize,
        /// `BGMAN`.
        from: NaiveDate,
        /// `ENDMAN`.
        to: NaiveDate,
    },
}

impl RecordError {
    /// The 1-based line of the file the error is about.
    ///
    /// ```
    /// use aftersales::host::recalls::RecordError;
    /// let e = RecordError::FieldCount { line: 7, found: 3 };
    /// assert_eq!(e.line(), 7);
    /// assert_eq!(e.to_string(), "expected 24 or 27 tab-separated fields, found 3");
    /// ```
    pub fn line(&self) -> usize {
        match self {
            RecordError::FieldCount { line, .. }
            | RecordError::Missing { line, .. }
            | RecordError::BadCampaign { line, .. }
            | RecordError::BadDate { line, .. }
            | RecordError::BadNumber { line, .. }
            | RecordError::DateOrder { line, .. } => *line,
        }
    }
}

/// A whole flat file: the records read and the lines that could not be.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlatFile {
    /// The records, in file order.
    pub records: Vec<RecallRecord>,
    /// The lines that could not be read, in file order.
    pub problems: Vec<RecordError>,
}

/// Read a flat file held in memory. Lines end in `\n` or `\r\n`; blank lines are
/// ignored, and so is a first line that is a header (its first field `RECORD_ID`).
/// A bad line becomes a problem and the rest is read.
///
/// ```
/// use aftersales::host::recalls::parse_flat_file;
/// let mut fields = vec![""; 24];
/// fields[0] = "1";
/// fields[1] = "02V288000";
/// fields[2] = "FORD";
/// fields[3] = "FOCUS";
/// fields[4] = "2001";
/// fields[15] = "20021106";
/// let good = fields.join("\t");
/// let file = parse_flat_file(&format!("{good}\r\nnot a record\n"));
/// assert_eq!(file.records.len(), 1);
/// assert_eq!(file.records[0].model_year, Some(2001));
/// assert_eq!(file.records[0].report_received.unwrap().to_string(), "2002-11-06");
/// assert_eq!(file.problems[0].line(), 2);
/// ```
pub fn parse_flat_file(text: &str) -> FlatFile {
    let mut file = FlatFile::default();
    for (index, raw) in text.split('\n').enumerate() {
        push_line(&mut file, index + 1, raw);
    }
    file
}

/// Read a flat file as bytes. Each line is read as UTF-8, and as Latin-1 where it is not
/// (older NHTSA files are not UTF-8), so an odd byte never stops the import.
///
/// ```
/// use aftersales::host::recalls::parse_flat_bytes;
/// let mut fields = vec![String::new(); 24];
/// fields[0] = "1".into();
/// fields[1] = "02V288000".into();
/// fields[2] = "CITRO\u{c9}N".into();
/// fields[3] = "C5".into();
/// let mut bytes = fields.join("\t").replace('\u{c9}', "\u{1}").into_bytes();
/// let at = bytes.iter().position(|b| *b == 1).unwrap();
/// bytes[at] = 0xC9; // É in Latin-1
/// let file = parse_flat_bytes(&bytes);
/// assert_eq!(file.records[0].make, "CITRO\u{c9}N");
/// ```
pub fn parse_flat_bytes(bytes: &[u8]) -> FlatFile {
    let mut file = FlatFile::default();
    for (index, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let text = match std::str::from_utf8(raw) {
            Ok(t) => std::borrow::Cow::Borrowed(t),
            Err(_) => std::borrow::Cow::Owned(raw.iter().map(|b| char::from(*b)).collect()),
        };
        push_line(&mut file, index + 1, &text);
    }
    file
}

fn push_line(file: &mut FlatFile, line: usize, raw: &str) {
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    if raw.trim().is_empty() {
        return;
    }
    if file.records.is_empty()
        && file.problems.is_empty()
        && raw.split('\t').next().map(str::trim) == Some("RECORD_ID")
    {
        return;
    }
    match parse_line(line, raw) {
        Ok(r) => file.records.push(r),
        Err(e) => file.problems.push(e),
    }
}

/// Read one line (without its line ending) as a record; `line` is its 1-based number.
///
/// ```
/// use aftersales::host::recalls::{parse_line, RecordError};
/// let mut fields = vec![""; 27];
/// fields[0] = "5";
/// fields[1] = "24V123000";
/// fields[2] = "HYUNDAI";
/// fields[3] = "IONIQ 5";
/// fields[4] = "9999";
/// fields[8] = "20211101";
/// fields[9] = "20230315";
/// let r = parse_line(3, &fields.join("\t")).unwrap();
/// assert_eq!(r.model_year, None);
/// assert_eq!(r.built_to.unwrap().to_string(), "2023-03-15");
/// assert!(r.mfr_component.is_some());
///
/// fields[9] = "20231315";
/// let e = parse_line(3, &fields.join("\t")).unwrap_err();
/// assert_eq!(e.to_string(), "ENDMAN (end of manufacture) `20231315` is not a date written YYYYMMDD");
/// ```
pub fn parse_line(line: usize, text: &str) -> Result<RecallRecord, RecordError> {
    let fields: Vec<&str> = text.split('\t').map(str::trim).collect();
    if fields.len() != LEGACY_FIELDS && fields.len() != CURRENT_FIELDS {
        return Err(RecordError::FieldCount {
            line,
            found: fields.len(),
        });
    }
    let field = |i: usize| fields.get(i).copied().unwrap_or("");
    let text = |i: usize| field(i).to_string();
    let required = |i: usize, name: &'static str| -> Result<String, RecordError> {
        match field(i) {
            "" => Err(RecordError::Missing { line, field: name }),
            v => Ok(v.to_string()),
        }
    };
    let date = |i: usize, name: &'static str| parse_date(line, field(i), name);
    let campaign = required(1, "CAMPNO (campaign number)")?;
    if !campaign
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(RecordError::BadCampaign {
            line,
            value: campaign,
        });
    }
    let record_id = match parse_number(line, field(0), "RECORD_ID")? {
        Some(n) => n,
        None => {
            return Err(RecordError::Missing {
                line,
                field: "RECORD_ID",
            })
        }
    };
    let built_from = date(8, "BGMAN (begin of manufacture)")?;
    let built_to = date(9, "ENDMAN (end of manufacture)")?;
    if let (Some(from), Some(to)) = (built_from, built_to) {
        if from > to {
            return Err(RecordError::DateOrder { line, from, to });
        }
    }
    Ok(RecallRecord {
        line,
        record_id,
        make: required(2, "MAKETXT (make)")?,
        model: required(3, "MODELTXT (model)")?,
        model_year: parse_year(line, field(4))?,
        mfr_campaign: text(5),
        component: text(6),
        manufacturer: text(7),
        built_from,
        built_to,
        recall_type: text(10),
        potentially_affected: parse_number(line, field(11), "POTAFF (units affected)")?,
        owners_notified: date(12, "ODATE (owners notified)")?,
        initiator: text(13),
        manufacturers: text(14),
        report_received: date(15, "RCDATE (report received)")?,
        record_created: date(16, "DATEA (record created)")?,
        regulation_part: text(17),
        fmvss: text(18),
        defect: text(19),
        consequence: text(20),
        corrective_action: text(21),
        notes: text(22),
        component_id: text(23),
        mfr_component: (fields.len() == CURRENT_FIELDS).then(|| [text(24), text(25), text(26)]),
        campaign,
    })
}

fn parse_date(
    line: usize,
    value: &str,
    field: &'static str,
) -> Result<Option<NaiveDate>, RecordError> {
    if value.is_empty() {
        return Ok(None);
    }
    let bad = || RecordError::BadDate {
        line,
        field,
        value: value.to_string(),
    };
    if value.len() != 8 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let part = |r: std::ops::Range<usize>| value.get(r).and_then(|s| s.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (part(0..4), part(4..6), part(6..8)) else {
        return Err(bad());
    };
    let y = i32::try_from(y).map_err(|_| bad())?;
    NaiveDate::from_ymd_opt(y, m, d).map(Some).ok_or_else(bad)
}

fn parse_number(line: usize, value: &str, field: &'static str) -> Result<Option<u64>, RecordError> {
    if value.is_empty() {
        return Ok(None);
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RecordError::BadNumber {
            line,
            field,
            value: value.to_string(),
        });
    }
    value.parse().map(Some).map_err(|_| RecordError::BadNumber {
        line,
        field,
        value: value.to_string(),
    })
}

fn parse_year(line: usize, value: &str) -> Result<Option<u16>, RecordError> {
    let bad = || RecordError::BadNumber {
        line,
        field: "YEARTXT (model year)",
        value: value.to_string(),
    };
    if value.is_empty() || value == "9999" {
        return Ok(None);
    }
    if value.len() != 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    value.parse().map(Some).map_err(|_| bad())
}
