// A stand-in `vscode` module for `npm run bench:ui`: every property is a callable, constructible proxy, so
// the real extension bundle can be required and activated in plain Node to time its own code (module
// evaluation + activate()) without the editor around it. Only for benchmarks, never for tests.
const Module = require("node:module");

function stub(name) {
  const cache = new Map();
  const target = function () {};
  return new Proxy(target, {
    get(t, p) {
      if (p === Symbol.toPrimitive) return () => name;
      if (p === "then") return undefined;
      if (p in t && typeof p === "string" && !["name", "length"].includes(p)) return t[p];
      if (!cache.has(p)) cache.set(p, stub(`${name}.${String(p)}`));
      return cache.get(p);
    },
    set(t, p, v) {
      t[p] = v;
      return true;
    },
    apply: () => stub(`${name}()`),
    construct: () => stub(`new ${name}`),
  });
}

// esbuild's ESM interop copies the module's own keys, so the root must list the namespaces it has.
const NAMESPACES = ["window", "workspace", "commands", "languages", "env", "extensions", "tasks", "debug", "l10n", "Uri", "EventEmitter", "TreeItem", "ThemeIcon", "ThemeColor", "TreeItemCollapsibleState", "StatusBarAlignment", "ProgressLocation", "DiagnosticSeverity", "Diagnostic", "Range", "Position", "Location", "MarkdownString", "SnippetString", "RelativePattern", "Disposable", "QuickPickItemKind", "CancellationTokenSource", "FileType"];

function makeVscode(workspaceFolder) {
  const vscode = {};
  for (const n of NAMESPACES) vscode[n] = stub(n);
  const uri = (fsPath) => ({ scheme: "file", fsPath, path: fsPath, toString: () => `file://${fsPath}` });
  const store = () => {
    const m = new Map();
    return { get: (k, d) => (m.has(k) ? m.get(k) : d), update: async (k, v) => void m.set(k, v), keys: () => [...m.keys()] };
  };
  const config = { get: (_k, d) => d };
  vscode.workspace.workspaceFolders = workspaceFolder ? [{ uri: uri(workspaceFolder), name: "ws", index: 0 }] : undefined;
  vscode.workspace.isTrusted = true;
  vscode.workspace.getConfiguration = () => config;
  vscode.workspace.findFiles = async () => [];
  vscode.Uri.file = uri;
  vscode.Uri.joinPath = (u, ...parts) => uri([u.fsPath, ...parts].join("/"));
  const context = {
    subscriptions: [],
    workspaceState: store(),
    globalState: store(),
    secrets: { get: async () => undefined, store: async () => undefined, delete: async () => undefined },
    extensionUri: uri(process.cwd()),
    globalStorageUri: uri("/tmp/agora-bench-storage"),
  };
  return { vscode, context };
}

function installVscodeStub(workspaceFolder) {
  const made = makeVscode(workspaceFolder);
  const load = Module._load;
  Module._load = function (request, ...rest) {
    if (request === "vscode") return made.vscode;
    return load.call(this, request, ...rest);
  };
  return made;
}

module.exports = { installVscodeStub };
