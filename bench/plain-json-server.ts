/**
 * The baseline of `npm run bench:lsp`: a plain language server that validates with nothing but
 * vscode-json-languageservice and the same generated schema (schemas/agora-spec.schema.json), over the same
 * stdio transport and text sync as ours, publishing on every change without debounce. Not shipped.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getLanguageService, type JSONSchema } from "vscode-json-languageservice";
import { createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";

const schema = JSON.parse(readFileSync(join(__dirname, "..", "schemas", "agora-spec.schema.json"), "utf8")) as JSONSchema;
const ls = getLanguageService({});
ls.configure({ validate: true, allowComments: true, schemas: [{ uri: "agora-schema://spec", fileMatch: ["*"], schema }] });

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

async function validate(doc: TextDocument): Promise<void> {
  const version = doc.version;
  const diagnostics = await ls.doValidation(doc, ls.parseJSONDocument(doc), { comments: "ignore", trailingCommas: "ignore" });
  await connection.sendDiagnostics({ uri: doc.uri, version, diagnostics });
}

connection.onInitialize(() => ({ capabilities: { textDocumentSync: TextDocumentSyncKind.Incremental }, serverInfo: { name: "plain-json-baseline" } }));
documents.onDidChangeContent((e) => void validate(e.document));
documents.listen(connection);
connection.listen();
