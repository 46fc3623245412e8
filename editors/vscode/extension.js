// Starts `aftersales lsp` (stdio) for .rules files: diagnostics, hover, definitions,
// completion and formatting come from the language server.
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("aftersales").get("path", "aftersales");
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient(
    "aftersales",
    "aftersales language server",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "aftersales" }] }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
