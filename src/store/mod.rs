//! The embedded store: SQLite (bundled, so a fresh machine needs nothing installed) holding
//! the history that outlives a process. Tables are append-only; the schema is versioned by
//! `PRAGMA user_version` and migrated forward on open; `PRAGMA application_id` marks the
//! file as this crate's, so a foreign database is refused rather than written to.
//!
//! Host modules reach it through their own small traits ([`crate::host::contacts::ContactStore`]),
//! so that a service can keep the same history in its own database.
//!
//! Schema (version 1):
//!
//! ```sql
//! CREATE TABLE contact_events (
//!   seq      INTEGER PRIMARY KEY,  -- ingest order
//!   event_id TEXT,                 -- the event's id; NULL when it has none
//!   contact  TEXT NOT NULL,
//!   at_us    INTEGER NOT NULL,     -- the event's instant, microseconds since 1970 UTC
//!   body     TEXT NOT NULL,        -- the event as a JSON line
//!   UNIQUE (contact, event_id)     -- an event id is stored once per contact
//! );
//! CREATE INDEX contact_events_by_contact ON contact_events (contact, at_us, seq);
//! CREATE INDEX contact_events_by_time ON contact_events (at_us);
//! -- an event without an id is stored once per (contact, instant, content)
//! CREATE UNIQUE INDEX contact_events_anonymous ON contact_events (contact, at_us, body)
//!   WHERE event_id IS NULL;
//! ```
//!
//! Version 2 adds the returns ledger:
//!
//! ```sql
//! CREATE TABLE returns (
//!   seq        INTEGER PRIMARY KEY,   -- record order; the RMA number is RMA-<seq>
//!   return_id  TEXT NOT NULL UNIQUE,  -- each return is recorded once
//!   decided    INTEGER NOT NULL,      -- the day decided, days from 0001-01-01 (day 1)
//!   body       TEXT NOT NULL          -- the record as a JSON line
//! );
//! CREATE INDEX returns_by_day ON returns (decided, seq);
//! ```
//!
//! Version 3 adds the claims history (`eval --record`):
//!
//! ```sql
//! CREATE TABLE claims (
//!   seq        INTEGER PRIMARY KEY,  -- record order
//!   claim_id   TEXT NOT NULL,        -- a claim may have versions: its latest row counts
//!   serial     TEXT NOT NULL,
//!   fault      TEXT NOT NULL,
//!   repair_day INTEGER NOT NULL,     -- days from 0001-01-01 (day 1)
//!   decision   TEXT NOT NULL,
//!   rejected   INTEGER NOT NULL,     -- 1 when the decision's `action` was `reject`
//!   outcome    TEXT NOT NULL         -- the result line
//! );
//! CREATE INDEX claims_by_part ON claims (serial, fault, repair_day);
//! CREATE INDEX claims_by_id ON claims (claim_id, seq);
//! ```

use crate::host::claims::{ClaimHistory, ClaimKey, ClaimRecord, PriorClaim};
use crate::host::contacts::{ContactStore, Event};
use crate::host::returns::{outcome_against, rma_number, Recorded, ReturnLedger, ReturnRecord};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of an aftersales store ("AfSt").
pub const APPLICATION_ID: i32 = 0x4166_5374;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// The schema, one migration per version (`user_version` is how many have run).
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE contact_events (
       seq      INTEGER PRIMARY KEY,
       event_id TEXT,
       contact  TEXT NOT NULL,
       at_us    INTEGER NOT NULL,
       body     TEXT NOT NULL,
       UNIQUE (contact, event_id)
     );
     CREATE INDEX contact_events_by_contact ON contact_events (contact, at_us, seq);
     CREATE INDEX contact_events_by_time ON contact_events (at_us);
     CREATE UNIQUE INDEX contact_events_anonymous ON contact_events (contact, at_us, body)
       WHERE event_id IS NULL;",
    "CREATE TABLE returns (
       seq        INTEGER PRIMARY KEY,
       return_id  TEXT NOT NULL UNIQUE,
       decided    INTEGER NOT NULL,
       body       TEXT NOT NULL
     );
     CREATE INDEX returns_by_day ON returns (decided, seq);",
    "CREATE TABLE claims (
       seq        INTEGER PRIMARY KEY,
       claim_id   TEXT NOT NULL,
       serial     TEXT NOT NULL,
       fault      TEXT NOT NULL,
       repair_day INTEGER NOT NULL,
       decision   TEXT NOT NULL,
       rejected   INTEGER NOT NULL,
       outcome    TEXT NOT NULL
     );
     CREATE INDEX claims_by_part ON claims (serial, fault, repair_day);
     CREATE INDEX claims_by_id ON claims (claim_id, seq);",
];

/// Why the store could not be used. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite refused: the file is not a database, is corrupt, cannot be opened or written.
    #[error("{path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is a database of something else.
    #[error("{path}: not an aftersales store ({found}); refusing to write to it")]
    Foreign {
        /// The database file.
        path: PathBuf,
        /// What it is instead.
        found: String,
    },
    /// The file was written by a newer version of aftersales.
    #[error("{path}: store schema version {found} is newer than this aftersales knows ({known}); upgrade aftersales")]
    Newer {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build knows.
        known: usize,
    },
    /// A stored row cannot be read back.
    #[error("{path}: stored event {seq} cannot be read: {message}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// Its row.
        seq: i64,
        /// What is wrong.
        message: String,
    },
    /// A stored row of the returns ledger or the claims history cannot be read back.
    #[error("{path}: row {seq} of table `{table}` cannot be read: {message}")]
    CorruptRecord {
        /// The database file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// Its row.
        seq: i64,
        /// What is wrong.
        message: String,
    },
    /// The file does not exist (reading commands do not create one).
    #[error("{path}: no such store (the commands that record, `contacts ingest` and `returns record`, create one)")]
    Missing {
        /// The database file.
        path: PathBuf,
    },
}

/// What opening found.
enum Setup {
    Ready,
    Foreign(String),
    Newer(i64),
}

/// Put the journal in WAL mode, check the file is ours and migrate it, in one immediate
/// transaction.
fn setup(conn: &mut Connection) -> rusqlite::Result<Setup> {
    // WAL: readers do not block the writer; a commit is durable once it returns
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    // 32 MiB of page cache (the default 2 MiB makes a history of a few hundred thousand
    // claims read its indexes from the file again and again)
    conn.pragma_update(None, "cache_size", -32768)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let app: i32 = tx.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if app != APPLICATION_ID && (app != 0 || tables > 0) {
        return Ok(Setup::Foreign(if app == 0 {
            format!("{tables} schema object(s) of another application")
        } else {
            format!("application_id {app:#x}")
        }));
    }
    let known = MIGRATIONS.len();
    let from = usize::try_from(version).unwrap_or(usize::MAX);
    if from > known {
        return Ok(Setup::Newer(version));
    }
    for m in MIGRATIONS.iter().skip(from) {
        tx.execute_batch(m)?;
    }
    if from < known || app == 0 {
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.pragma_update(None, "user_version", known as i64)?;
    }
    tx.commit()?;
    Ok(Setup::Ready)
}

/// Run `f` again while SQLite answers busy or locked, for up to [`BUSY_TIMEOUT`].
fn busy_retry<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    let mut wait = Duration::from_millis(5);
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, m))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                if start.elapsed() >= BUSY_TIMEOUT {
                    return Err(rusqlite::Error::SqliteFailure(e, m));
                }
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_millis(200));
            }
            r => return r,
        }
    }
}

/// An open store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open the store at `path`, creating it (and migrating it to this version) if needed.
    ///
    /// ```
    /// use aftersales::host::contacts::{ContactStore, Event};
    /// let dir = std::env::temp_dir().join(format!("aftersales-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("store.db");
    /// let mut store = aftersales::store::Store::open(&path).unwrap();
    /// let e = Event::from_json_str(r#"{"id": "E2", "contact": "K1", "at": "2026-03-02T17:05:00-05:00", "type": "reply", "by": "agent"}"#).unwrap();
    /// assert_eq!(store.append(&[e.clone(), e.clone()]).unwrap(), 1, "an id is stored once");
    /// assert_eq!(store.append(&[e]).unwrap(), 0);
    /// assert_eq!(store.contacts().unwrap(), ["K1"]);
    /// # drop(store); std::fs::remove_dir_all(dir).unwrap();
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path.as_ref(), true)
    }

    /// Open an existing store (a missing file is [`StoreError::Missing`]).
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Store::open_with(path.as_ref(), false)
    }

    fn open_with(path: &Path, create: bool) -> Result<Store, StoreError> {
        let err = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        if !create && !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let mut conn = Connection::open_with_flags(path, flags).map_err(err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
        // another process creating or migrating the same file at this moment can make
        // SQLite answer "busy" without waiting (changing the journal mode, upgrading a
        // lock): the setup is tried again until the busy timeout
        match busy_retry(|| setup(&mut conn)).map_err(err)? {
            Setup::Ready => {}
            Setup::Foreign(found) => {
                return Err(StoreError::Foreign {
                    path: path.to_path_buf(),
                    found,
                })
            }
            Setup::Newer(found) => {
                return Err(StoreError::Newer {
                    path: path.to_path_buf(),
                    found,
                    known: MIGRATIONS.len(),
                })
            }
        }
        Ok(Store {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keep one read transaction open across many reads (the claims history asks two
    /// questions a claim: one lock for all of them instead of two file locks each). It
    /// ends before the next write ([`Store::end_read`]); until then the reads see the
    /// store as it was when it began.
    fn begin_read(&self) -> Result<(), StoreError> {
        if self.conn.is_autocommit() {
            self.conn.execute_batch("BEGIN").map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// End the read transaction of [`Store::begin_read`], if one is open.
    fn end_read(&mut self) -> Result<(), StoreError> {
        if !self.conn.is_autocommit() {
            self.conn.execute_batch("COMMIT").map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn decode(&self, seq: i64, body: &str) -> Result<Event, StoreError> {
        Event::from_json_str(body).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            seq,
            message: e.error.to_string(),
        })
    }

    /// How many events the store holds.
    pub fn event_count(&self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM contact_events", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(|e| self.err(e))
    }
}

impl ContactStore for Store {
    type Error = StoreError;

    fn append(&mut self, events: &[Event]) -> Result<usize, StoreError> {
        self.end_read()?;
        // the bodies once, then the transaction (tried again while another writer holds
        // the file: all or nothing each time)
        let bodies: Vec<String> = events
            .iter()
            .map(|e| {
                let mut body = Vec::with_capacity(256);
                e.to_json().write(&mut body);
                String::from_utf8_lossy(&body).into_owned()
            })
            .collect();
        let conn = &mut self.conn;
        busy_retry(|| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut added = 0;
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR IGNORE INTO contact_events (event_id, contact, at_us, body)
                     VALUES (?1, ?2, ?3, ?4)",
                )?;
                for (e, body) in events.iter().zip(&bodies) {
                    added +=
                        insert.execute(params![e.id, e.contact, e.at.timestamp_micros(), body])?;
                }
            }
            tx.commit()?;
            Ok(added)
        })
        .map_err(|e| self.err(e))
    }

    fn contacts(&self) -> Result<Vec<String>, StoreError> {
        let mut q = self
            .conn
            .prepare("SELECT contact FROM contact_events GROUP BY contact ORDER BY min(seq)")
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    fn events_of(&self, contact: &str) -> Result<Vec<Event>, StoreError> {
        let mut q = self
            .conn
            .prepare_cached(
                "SELECT seq, body FROM contact_events WHERE contact = ?1 ORDER BY at_us, seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = q
            .query_map([contact], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, body) = row.map_err(|e| self.err(e))?;
            out.push(self.decode(seq, &body)?);
        }
        Ok(out)
    }

    fn each_event(&self, f: &mut dyn FnMut(Event)) -> Result<(), StoreError> {
        let mut q = self
            .conn
            .prepare(
                "SELECT e.seq, e.body FROM contact_events e
                 JOIN (SELECT contact, min(seq) AS first FROM contact_events GROUP BY contact) f
                   ON f.contact = e.contact
                 ORDER BY f.first, e.at_us, e.seq",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = q.query([]).map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let seq: i64 = row.get(0).map_err(|e| self.err(e))?;
            let body: String = row.get(1).map_err(|e| self.err(e))?;
            f(self.decode(seq, &body)?);
        }
        Ok(())
    }

    fn last_at(&self) -> Result<Option<chrono::DateTime<chrono::FixedOffset>>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT seq, body FROM contact_events ORDER BY at_us DESC, seq DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        match row {
            Some((seq, body)) => Ok(Some(self.decode(seq, &body)?.at)),
            None => Ok(None),
        }
    }

    fn has_contact(&self, contact: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row(
                "SELECT 1 FROM contact_events WHERE contact = ?1 LIMIT 1",
                [contact],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| self.err(e))
    }
}

impl ReturnLedger for Store {
    type Error = StoreError;

    fn record(&mut self, records: &[ReturnRecord]) -> Result<Vec<Recorded>, StoreError> {
        self.end_read()?;
        let bodies: Vec<String> = records.iter().map(ReturnRecord::to_json_line).collect();
        let path = self.path.clone();
        let conn = &mut self.conn;
        // what a stored row is, or why it cannot be read (kept apart from SQLite's errors
        // so the retry loop only retries those)
        let mut corrupt = None;
        let done = busy_retry(|| {
            corrupt = None;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut out = Vec::with_capacity(records.len());
            {
                let mut insert = tx.prepare_cached(
                    "INSERT OR IGNORE INTO returns (return_id, decided, body) VALUES (?1, ?2, ?3)",
                )?;
                let mut stored =
                    tx.prepare_cached("SELECT seq, body FROM returns WHERE return_id = ?1")?;
                for (r, body) in records.iter().zip(&bodies) {
                    let day = chrono::Datelike::num_days_from_ce(&r.decided_on);
                    if insert.execute(params![r.id, day, body])? == 1 {
                        let seq = tx.last_insert_rowid();
                        out.push(Recorded::New {
                            rma: r.authorized().then(|| rma_number(seq)),
                        });
                        continue;
                    }
                    let (seq, text): (i64, String) =
                        stored.query_row([&r.id], |row| Ok((row.get(0)?, row.get(1)?)))?;
                    match ReturnRecord::from_json_line(&text) {
                        Ok(old) => out.push(outcome_against(seq, old, r)),
                        Err(message) => {
                            corrupt = Some((seq, message));
                            return Ok(None);
                        }
                    }
                }
            }
            tx.commit()?;
            Ok(Some(out))
        })
        .map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        match (done, corrupt) {
            (Some(out), _) => Ok(out),
            (None, Some((seq, message))) => Err(StoreError::CorruptRecord {
                path,
                table: "returns",
                seq,
                message,
            }),
            (None, None) => Ok(Vec::new()),
        }
    }

    fn each_return(
        &self,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
        f: &mut dyn FnMut(Option<String>, ReturnRecord),
    ) -> Result<(), StoreError> {
        let day = |d: chrono::NaiveDate| chrono::Datelike::num_days_from_ce(&d);
        let from = from.map_or(i32::MIN, day);
        let to = to.map_or(i32::MAX, day);
        let mut q = self
            .conn
            .prepare(
                "SELECT seq, body FROM returns WHERE decided >= ?1 AND decided <= ?2
                 ORDER BY seq",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = q.query(params![from, to]).map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let seq: i64 = row.get(0).map_err(|e| self.err(e))?;
            let body: String = row.get(1).map_err(|e| self.err(e))?;
            let r = ReturnRecord::from_json_line(&body).map_err(|message| {
                StoreError::CorruptRecord {
                    path: self.path.clone(),
                    table: "returns",
                    seq,
                    message,
                }
            })?;
            f(r.authorized().then(|| rma_number(seq)), r);
        }
        Ok(())
    }
}

impl ClaimHistory for Store {
    type Error = StoreError;

    fn previous(
        &self,
        claim: &ClaimKey,
        skip: &dyn Fn(&str) -> bool,
    ) -> Result<Option<PriorClaim>, StoreError> {
        let own_first = self
            .first_recorded(&claim.claim_id)?
            .and_then(|n| i64::try_from(n).ok())
            .unwrap_or(i64::MAX);
        // each other claim's latest version on the same part, not rejected, latest first
        let mut q = self
            .conn
            .prepare_cached(
                "SELECT c.claim_id, c.repair_day,
                        (SELECT min(f.seq) FROM claims f WHERE f.claim_id = c.claim_id) AS first
                 FROM claims c
                 WHERE c.serial = ?1 AND c.fault = ?2 AND c.claim_id <> ?3 AND c.rejected = 0
                   AND c.seq = (SELECT max(l.seq) FROM claims l WHERE l.claim_id = c.claim_id)
                 ORDER BY c.repair_day DESC, first DESC",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = q
            .query(params![claim.serial, claim.fault, claim.claim_id])
            .map_err(|e| self.err(e))?;
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let id: String = row.get(0).map_err(|e| self.err(e))?;
            let d: i32 = row.get(1).map_err(|e| self.err(e))?;
            let first: i64 = row.get(2).map_err(|e| self.err(e))?;
            if skip(&id) || first >= own_first {
                continue;
            }
            let repair_date = chrono::NaiveDate::from_num_days_from_ce_opt(d).ok_or_else(|| {
                StoreError::CorruptRecord {
                    path: self.path.clone(),
                    table: "claims",
                    seq: first,
                    message: format!("claim `{id}` has repair day {d}, which is no date"),
                }
            })?;
            return Ok(Some(PriorClaim {
                claim_id: id,
                repair_date,
                first: u64::try_from(first).unwrap_or(0),
            }));
        }
        Ok(None)
    }

    fn first_recorded(&self, claim_id: &str) -> Result<Option<u64>, StoreError> {
        self.begin_read()?;
        let first: Option<i64> = self
            .conn
            .prepare_cached("SELECT min(seq) FROM claims WHERE claim_id = ?1")
            .and_then(|mut q| q.query_row([claim_id], |r| r.get(0)))
            .map_err(|e| self.err(e))?;
        Ok(first.and_then(|n| u64::try_from(n).ok()))
    }

    fn record(&mut self, claims: &[ClaimRecord]) -> Result<usize, StoreError> {
        self.end_read()?;
        let conn = &mut self.conn;
        busy_retry(|| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let mut added = 0;
            {
                let mut latest = tx.prepare_cached(
                    "SELECT serial, fault, repair_day, decision, rejected, outcome FROM claims
                     WHERE claim_id = ?1 ORDER BY seq DESC LIMIT 1",
                )?;
                let mut insert = tx.prepare_cached(
                    "INSERT INTO claims (claim_id, serial, fault, repair_day, decision, rejected, outcome)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?;
                for c in claims {
                    let day = chrono::Datelike::num_days_from_ce(&c.key.repair_date);
                    let same = latest
                        .query_row([&c.key.claim_id], |r| {
                            Ok(r.get::<_, String>(0)? == c.key.serial
                                && r.get::<_, String>(1)? == c.key.fault
                                && r.get::<_, i32>(2)? == day
                                && r.get::<_, String>(3)? == c.decision
                                && r.get::<_, bool>(4)? == c.rejected
                                && r.get::<_, String>(5)? == c.outcome)
                        })
                        .optional()?
                        .unwrap_or(false);
                    if same {
                        continue;
                    }
                    added += insert.execute(params![
                        c.key.claim_id,
                        c.key.serial,
                        c.key.fault,
                        day,
                        c.decision,
                        c.rejected,
                        c.outcome
                    ])?;
                }
            }
            tx.commit()?;
            Ok(added)
        })
        .map_err(|e| self.err(e))
    }
}
