//! Reading JSON Lines input and writing JSON Lines output, shared by the commands that
//! stream them (`contacts`, `returns`): a line too long or not UTF-8 is an error line in
//! its place, a closed pipe stops the output quietly.

use crate::store::Store;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;

/// Longest line read (a longer one is an error line, and the input goes on).
const MAX_LINE: u64 = 16 * 1024 * 1024;

/// The input, and a progress bar on standard error when it is a terminal and the input a
/// file (finished when the reader is dropped).
pub(super) fn open(path: &Path) -> Result<Box<dyn Read>, u8> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin()));
    }
    let f = std::fs::File::open(path).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", path.display());
        super::EXIT_USAGE
    })?;
    let bar = super::eval::progress_bar(&f);
    Ok(Box::new(Progress(
        super::eval::Counted::new(f, bar.clone()),
        bar,
    )))
}

/// A reader whose progress bar is cleared when it is dropped.
struct Progress<R>(R, Option<indicatif::ProgressBar>);

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R> Drop for Progress<R> {
    fn drop(&mut self) {
        if let Some(bar) = &self.1 {
            bar.finish_and_clear();
        }
    }
}

/// Feed every line of `input` to `f` (its number, its text); a line too long or not
/// UTF-8 is an error line in its place.
pub(super) fn each_line(
    input: Box<dyn Read>,
    path: &Path,
    mut f: impl FnMut(usize, Result<&str, String>),
) -> Result<(), u8> {
    let mut r = BufReader::with_capacity(1 << 16, input);
    let mut buf = Vec::new();
    let mut n = 0usize;
    loop {
        buf.clear();
        n += 1;
        let read = (&mut r).take(MAX_LINE).read_until(b'\n', &mut buf);
        match read {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return Err(super::EXIT_USAGE);
            }
        }
        if buf.last() != Some(&b'\n') && buf.len() as u64 >= MAX_LINE {
            // skip the rest of the line
            let mut rest = Vec::new();
            loop {
                rest.clear();
                match (&mut r).take(MAX_LINE).read_until(b'\n', &mut rest) {
                    Ok(0) => break,
                    Ok(_) if rest.last() == Some(&b'\n') => break,
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            f(n, Err(format!("line longer than {MAX_LINE} bytes")));
            continue;
        }
        let text = match std::str::from_utf8(&buf) {
            Ok(t) => t.trim(),
            Err(e) => {
                f(n, Err(format!("not UTF-8: {e}")));
                continue;
            }
        };
        if text.is_empty() {
            continue;
        }
        f(n, Ok(text));
    }
}

/// Writes JSON lines to standard output; a closed pipe stops writing quietly.
pub(super) struct Out {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    buf: Vec<u8>,
    closed: bool,
}

impl Out {
    pub(super) fn new() -> Out {
        Out {
            out: std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()),
            buf: Vec::with_capacity(1024),
            closed: false,
        }
    }

    pub(super) fn line(&mut self, j: &crate::json::Json) {
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        j.write(&mut buf);
        self.raw(&buf);
        self.buf = buf;
    }

    /// One line's text (without its newline).
    pub(super) fn raw(&mut self, line: &[u8]) {
        if self.closed {
            return;
        }
        if let Err(e) = self
            .out
            .write_all(line)
            .and_then(|_| self.out.write_all(b"\n"))
        {
            self.closed = true;
            if !super::closed(&e) {
                eprintln!("error: cannot write to stdout: {e}");
            }
        }
    }

    pub(super) fn finish(mut self) {
        if !self.closed {
            if let Err(e) = self.out.flush() {
                if !super::closed(&e) {
                    eprintln!("error: cannot write to stdout: {e}");
                }
            }
        }
    }
}

pub(super) fn open_store(path: &Path, create: bool) -> Result<Store, u8> {
    let opened = if create {
        Store::open(path)
    } else {
        Store::open_existing(path)
    };
    opened.map_err(|e| {
        eprintln!("error: {e}");
        super::EXIT_USAGE
    })
}
