//! `aftersales lsp`: a language server over stdio for rule files, on `lsp-server` (the
//! synchronous LSP transport of rust-analyzer: one client, one thread, no async runtime)
//! and `lsp-types`.
//!
//! A rule set is the `.rules` files of one folder: an open file is checked with the other
//! files of its folder (their text in the editor where open, else on disk). What it gives:
//! - diagnostics as you type (the codes, messages and places of `aftersales check`), for
//!   every file of the folder, refreshed 150 ms after the last change;
//! - hover: a field's type (`claim.odometer`), a code's description and attributes, a
//!   decision's outputs, an item's kind;
//! - go to definition (items, schemas and their fields, code tables) and find references
//!   (the same name written anywhere in the folder's files);
//! - completion: the fields of a schema after `root.` (and of nested records); the
//!   variants or codes of a field's type after `path ==`, `path !=` or `path in [`; else
//!   the keywords, schemas and items;
//! - formatting through [`crate::dsl::format`];
//! - a quick fix for each "did you mean `x`?" of a diagnostic.

pub mod analysis;

use analysis::Analysis;
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CompletionItem,
    CompletionParams, Diagnostic as LspDiagnostic, DiagnosticSeverity, DocumentFormattingParams,
    GotoDefinitionParams, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind,
    NumberOrString, Position, PublishDiagnosticsParams, Range, ReferenceParams, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Url, WorkspaceEdit,
};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long after the last change the diagnostics are refreshed.
const DEBOUNCE: Duration = Duration::from_millis(150);

/// Run the server on standard input and output until the client says `exit`.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io.join().map_err(|e| e.to_string())
}

/// The server's capabilities.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(true.into()),
        definition_provider: Some(lsp_types::OneOf::Left(true)),
        references_provider: Some(lsp_types::OneOf::Left(true)),
        completion_provider: Some(lsp_types::CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..Default::default()
        }),
        document_formatting_provider: Some(lsp_types::OneOf::Left(true)),
        code_action_provider: Some(lsp_types::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// The files open in the editor, and the folders whose diagnostics are stale.
#[derive(Default)]
struct State {
    open: HashMap<PathBuf, String>,
    dirty: BTreeSet<PathBuf>,
    /// The files each folder's last diagnostics were published for.
    published: HashMap<PathBuf, BTreeSet<PathBuf>>,
}

impl State {
    /// The rule set of a folder: its `.rules` files, the open ones as the editor has them.
    fn analyse(&self, folder: &Path) -> Analysis {
        let mut paths: BTreeSet<PathBuf> = std::fs::read_dir(folder)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "rules"))
                    .collect()
            })
            .unwrap_or_default();
        paths.extend(
            self.open
                .keys()
                .filter(|p| p.parent() == Some(folder))
                .cloned(),
        );
        let sources = paths
            .into_iter()
            .filter_map(|p| {
                let text = match self.open.get(&p) {
                    Some(t) => t.clone(),
                    None => std::fs::read_to_string(&p).ok()?,
                };
                Some((p.display().to_string(), text))
            })
            .collect();
        Analysis::of(sources)
    }
}

/// A byte offset of `text` as an LSP position (UTF-16 columns).
fn position(text: &str, at: usize) -> Position {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |k| k + 1);
    let line = text[..line_start].matches('\n').count();
    let col: usize = text[line_start..at].chars().map(char::len_utf16).sum();
    Position::new(line as u32, col as u32)
}

/// An LSP position as a byte offset of `text`.
fn offset(text: &str, p: Position) -> usize {
    let mut start = 0;
    for _ in 0..p.line {
        match text[start..].find('\n') {
            Some(k) => start += k + 1,
            None => return text.len(),
        }
    }
    let mut units = 0u32;
    for (k, c) in text[start..].char_indices() {
        if units >= p.character || c == '\n' {
            return start + k;
        }
        units += c.len_utf16() as u32;
    }
    text.len()
}

fn path_of(uri: &Url) -> Option<PathBuf> {
    uri.to_file_path().ok()
}

fn send(conn: &Connection, m: Message) -> Result<(), String> {
    conn.sender.send(m).map_err(|e| e.to_string())
}

fn notify<P: serde::Serialize>(conn: &Connection, method: &str, params: P) -> Result<(), String> {
    send(
        conn,
        Message::Notification(Notification::new(method.to_string(), params)),
    )
}

/// Check a folder and publish the diagnostics of each of its files (an empty list for a
/// file that had some and has none now).
fn publish(conn: &Connection, state: &mut State, folder: &Path) -> Result<(), String> {
    let a = state.analyse(folder);
    let mut by_file: HashMap<PathBuf, Vec<LspDiagnostic>> = HashMap::new();
    for name in &a.names {
        by_file.entry(PathBuf::from(name)).or_default();
    }
    for d in &a.diagnostics {
        let Some(span) = d.span else { continue };
        let Some(name) = a.file_name(span.file) else {
            continue;
        };
        let Some(text) = a.parsed.map.file(span.file).map(|f| f.text.clone()) else {
            continue;
        };
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str(&format!("\nhelp: {h}"));
        }
        by_file
            .entry(PathBuf::from(name))
            .or_default()
            .push(LspDiagnostic {
                range: Range::new(
                    position(&text, span.start as usize),
                    position(&text, span.end as usize),
                ),
                severity: Some(if d.severity == crate::diag::Severity::Error {
                    DiagnosticSeverity::ERROR
                } else {
                    DiagnosticSeverity::WARNING
                }),
                code: Some(NumberOrString::String(d.code.as_str().to_string())),
                source: Some("aftersales".into()),
                message,
                ..Default::default()
            });
    }
    let before = state.published.remove(folder).unwrap_or_default();
    for gone in before {
        by_file.entry(gone).or_default();
    }
    let mut now = BTreeSet::new();
    for (path, diagnostics) in by_file {
        let Ok(uri) = Url::from_file_path(&path) else {
            continue;
        };
        now.insert(path);
        notify(
            conn,
            "textDocument/publishDiagnostics",
            PublishDiagnosticsParams::new(uri, diagnostics, None),
        )?;
    }
    state.published.insert(folder.to_path_buf(), now);
    Ok(())
}

/// The analysis and the text of the document at `uri`, with the byte offset of `p`.
fn at(state: &State, uri: &Url, p: Position) -> Option<(Analysis, String, String, usize)> {
    let path = path_of(uri)?;
    let a = state.analyse(path.parent()?);
    let name = path.display().to_string();
    let text = state
        .open
        .get(&path)
        .cloned()
        .or_else(|| std::fs::read_to_string(&path).ok())?;
    let off = offset(&text, p);
    Some((a, name, text, off))
}

fn location(a: &Analysis, place: &analysis::Place) -> Option<Location> {
    let text = a
        .parsed
        .map
        .files()
        .find(|(_, f)| f.name == place.file)
        .map(|(_, f)| f.text.clone())?;
    Some(Location::new(
        Url::from_file_path(&place.file).ok()?,
        Range::new(position(&text, place.start), position(&text, place.end)),
    ))
}

/// The answer to one request (`None`: the JSON `null`).
fn answer(state: &State, req: &Request) -> Result<serde_json::Value, String> {
    let params = req.params.clone();
    let bad = |e: serde_json::Error| format!("{}: bad params: {e}", req.method);
    let json = |v: &dyn erased::Json| v.to_json();
    Ok(match req.method.as_str() {
        "textDocument/hover" => {
            let p: HoverParams = serde_json::from_value(params).map_err(bad)?;
            let d = &p.text_document_position_params;
            at(state, &d.text_document.uri, d.position)
                .and_then(|(a, name, _, off)| a.hover(&name, off))
                .map_or(serde_json::Value::Null, |text| {
                    json(&Hover {
                        contents: HoverContents::Markup(MarkupContent {
                            kind: MarkupKind::Markdown,
                            value: text,
                        }),
                        range: None,
                    })
                })
        }
        "textDocument/definition" => {
            let p: GotoDefinitionParams = serde_json::from_value(params).map_err(bad)?;
            let d = &p.text_document_position_params;
            at(state, &d.text_document.uri, d.position)
                .and_then(|(a, name, _, off)| {
                    let place = a.definition(&name, off)?;
                    location(&a, &place)
                })
                .map_or(serde_json::Value::Null, |l| json(&l))
        }
        "textDocument/references" => {
            let p: ReferenceParams = serde_json::from_value(params).map_err(bad)?;
            let d = &p.text_document_position;
            let found: Vec<Location> = at(state, &d.text_document.uri, d.position)
                .map(|(a, name, _, off)| {
                    a.references(&name, off)
                        .iter()
                        .filter_map(|pl| location(&a, pl))
                        .collect()
                })
                .unwrap_or_default();
            json(&found)
        }
        "textDocument/completion" => {
            let p: CompletionParams = serde_json::from_value(params).map_err(bad)?;
            let d = &p.text_document_position;
            let items: Vec<CompletionItem> = at(state, &d.text_document.uri, d.position)
                .map(|(a, name, _, off)| {
                    a.completions(&name, off)
                        .into_iter()
                        .map(|(label, detail)| CompletionItem {
                            label,
                            detail: Some(detail),
                            ..Default::default()
                        })
                        .collect()
                })
                .unwrap_or_default();
            json(&items)
        }
        "textDocument/formatting" => {
            let p: DocumentFormattingParams = serde_json::from_value(params).map_err(bad)?;
            let path = path_of(&p.text_document.uri);
            let text = path.and_then(|p| {
                state
                    .open
                    .get(&p)
                    .cloned()
                    .or_else(|| std::fs::read_to_string(&p).ok())
            });
            match text.map(|t| (crate::dsl::format(&t), t)) {
                Some((Ok(formatted), text)) if formatted != text => json(&vec![TextEdit::new(
                    Range::new(Position::new(0, 0), position(&text, text.len())),
                    formatted,
                )]),
                Some((Ok(_), _)) => json(&Vec::<TextEdit>::new()),
                _ => serde_json::Value::Null,
            }
        }
        "textDocument/codeAction" => {
            let p: CodeActionParams = serde_json::from_value(params).map_err(bad)?;
            let mut actions = Vec::new();
            for d in &p.context.diagnostics {
                let Some(rest) = d.message.split("did you mean `").nth(1) else {
                    continue;
                };
                let Some(fix) = rest.split('`').next() else {
                    continue;
                };
                let edit = TextEdit::new(d.range, fix.to_string());
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("Replace with `{fix}`"),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![d.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(p.text_document.uri.clone(), vec![edit])])),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                }));
            }
            json(&actions)
        }
        _ => return Err(format!("unknown request `{}`", req.method)),
    })
}

/// Serialising a result: each of the lsp-types answers is plain data.
mod erased {
    pub(super) trait Json {
        fn to_json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}

/// Serve one client on `conn` until it says `exit`.
pub fn serve(conn: &Connection) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    conn.initialize(caps).map_err(|e| e.to_string())?;
    let mut state = State::default();
    loop {
        let msg = match conn.receiver.recv_timeout(DEBOUNCE) {
            Ok(m) => m,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                let dirty = std::mem::take(&mut state.dirty);
                for folder in dirty {
                    publish(conn, &mut state, &folder)?;
                }
                continue;
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(()),
        };
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                    return Ok(());
                }
                let resp = match answer(&state, &req) {
                    Ok(v) => Response::new_ok(req.id.clone(), v),
                    Err(e) => Response::new_err(
                        req.id.clone(),
                        lsp_server::ErrorCode::InvalidParams as i32,
                        e,
                    ),
                };
                send(conn, Message::Response(resp))?;
            }
            Message::Notification(n) => {
                let doc = |v: &serde_json::Value| -> Option<(PathBuf, Option<String>)> {
                    let uri: Url = serde_json::from_value(v["textDocument"]["uri"].clone()).ok()?;
                    let path = path_of(&uri)?;
                    let text = v["textDocument"]["text"]
                        .as_str()
                        .or_else(|| v["contentChanges"].as_array()?.last()?["text"].as_str())
                        .map(str::to_string);
                    Some((path, text))
                };
                match n.method.as_str() {
                    "textDocument/didOpen" | "textDocument/didChange" => {
                        if let Some((path, Some(text))) = doc(&n.params) {
                            if let Some(folder) = path.parent() {
                                state.dirty.insert(folder.to_path_buf());
                            }
                            state.open.insert(path, text);
                        }
                    }
                    "textDocument/didSave" => {
                        if let Some((path, _)) = doc(&n.params) {
                            if let Some(folder) = path.parent() {
                                state.dirty.insert(folder.to_path_buf());
                            }
                        }
                    }
                    "textDocument/didClose" => {
                        if let Some((path, _)) = doc(&n.params) {
                            state.open.remove(&path);
                            if let Some(folder) = path.parent() {
                                state.dirty.insert(folder.to_path_buf());
                            }
                        }
                    }
                    _ => {}
                }
            }
            Message::Response(_) => {}
        }
    }
}
