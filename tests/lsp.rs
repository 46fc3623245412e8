//! `aftersales lsp` driven over stdio with real JSON-RPC messages, as an editor would:
//! initialize, didOpen, diagnostics as published, the "did you mean" quick fix, didChange,
//! hover, definition, references, completion, formatting, shutdown and exit.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

struct Client {
    child: Child,
    stdin: ChildStdin,
    inbox: Receiver<Value>,
    next: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aftersales"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, inbox) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        len = n.parse().expect("a length");
                    }
                }
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                let v: Value = serde_json::from_slice(&body).expect("JSON");
                if tx.send(v).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            inbox,
            next: 1,
        }
    }

    fn send(&mut self, v: &Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("written");
        self.stdin.flush().expect("flushed");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// A request's result (notifications received meanwhile are dropped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self
                .inbox
                .recv_timeout(Duration::from_secs(20))
                .expect("an answer");
            if m["id"] == json!(id) {
                assert!(m.get("error").is_none(), "{m}");
                return m["result"].clone();
            }
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let m = self
                .inbox
                .recv_timeout(Duration::from_secs(20))
                .expect("diagnostics");
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }
}

const GOOD: &str = "codes fault \"Faults\" { P0301 \"Cylinder 1 misfire\" {} }\n\ndecision worn {\n  output far: bool = false\n  rule high when has claim.odometer and claim.odometer > 100000 mi then far = true\n  otherwise far = false\n}\n\ndecision review {\n  output check: bool = false\n  rule r when worn.far and claim.fault == P0301 then check = true\n  otherwise check = false\n}\n";

#[test]
fn an_editor_session() {
    let dir = std::env::temp_dir().join(format!("aftersales-lsp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("a.rules");
    std::fs::write(&file, GOOD).expect("written");
    let uri = format!("file://{}", file.display());
    let mut c = Client::start();
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let caps = &init["capabilities"];
    for cap in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "documentFormattingProvider",
        "codeActionProvider",
        "completionProvider",
    ] {
        assert!(!caps[cap].is_null(), "{cap}: {init}");
    }
    c.notify("initialized", json!({}));

    // a misspelt field: an error where it is, and a quick fix
    let typo = GOOD.replacen("claim.odometer >", "claim.odometr >", 1);
    c.notify("textDocument/didOpen", json!({"textDocument": {"uri": uri, "languageId": "aftersales", "version": 1, "text": typo}}));
    let diags = c.diagnostics(&uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert!(
        d["message"]
            .as_str()
            .is_some_and(|m| m.contains("did you mean `odometer`")),
        "{d}"
    );
    assert_eq!(d["severity"], 1);
    assert_eq!(d["range"]["start"]["line"], 4);
    let actions = c.request(
        "textDocument/codeAction",
        json!({
        "textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
    );
    let edit = &actions[0]["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], "odometer", "{actions}");
    assert_eq!(edit["range"], d["range"]);

    // fixed: the diagnostics are cleared
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": GOOD}]}),
    );
    let left = c.diagnostics(&uri);
    assert!(left.is_empty(), "{left:?}");

    // hover: a field's type, a code, a decision
    let at = |line: u32, col: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}});
    let h = c.request("textDocument/hover", at(4, 31));
    assert!(
        h["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("`claim.odometer`: distance")),
        "{h}"
    );
    let h = c.request("textDocument/hover", at(10, 45));
    assert!(
        h["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("Cylinder 1 misfire")),
        "{h}"
    );
    let h = c.request("textDocument/hover", at(10, 18));
    assert!(
        h["contents"]["value"]
            .as_str()
            .is_some_and(|v| v.contains("decision `worn`")),
        "{h}"
    );

    // definition and references of `worn`
    let def = c.request("textDocument/definition", at(10, 18));
    assert_eq!(def["uri"], uri.as_str());
    assert_eq!(def["range"]["start"], json!({"line": 2, "character": 9}));
    let mut params = at(2, 10);
    params["context"] = json!({"includeDeclaration": true});
    let refs = c.request("textDocument/references", params);
    assert_eq!(refs.as_array().map(Vec::len), Some(2), "{refs}");

    // completion after `claim.`
    let items = c.request("textDocument/completion", at(4, 29));
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"odometer") && labels.contains(&"repair_date"),
        "{labels:?}"
    );

    // completion of a compared field's codes
    let typing = GOOD.replacen("claim.fault == P0301", "claim.fault == P", 1);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": typing}]}),
    );
    let items = c.request("textDocument/completion", at(10, 44));
    let labels: Vec<&str> = items
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["label"].as_str())
        .collect();
    assert_eq!(labels, ["P0301"], "{items}");

    // formatting
    let messy = GOOD.replace("  output far: bool = false", "output far:bool=false");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": messy}]}),
    );
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits[0]["newText"], GOOD, "{edits}");

    let _ = c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    let status = c.child.wait().expect("exits");
    assert!(status.success());
    let _ = std::fs::remove_dir_all(dir);
}
