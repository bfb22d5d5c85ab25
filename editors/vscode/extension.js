// The mlc extension: starts `mlc lsp` (the language server, over stdio) for mlc specs.
// The command is the setting `mlc.server.command` (default: `mlc lsp`, the `mlc` on PATH); see docs/editors.md.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("mlc").get("server.command", ["mlc", "lsp"]);
  const serverOptions = { command, args, transport: TransportKind.stdio };
  const clientOptions = { documentSelector: [{ scheme: "file", language: "mlc" }, { scheme: "untitled", language: "mlc" }] };
  client = new LanguageClient("mlc", "mlc language server", serverOptions, clientOptions);
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
