/** "AgoraBench: Validate Experiment Specs": checks every spec of the workspace with the shared core validator. */
import * as vscode from "vscode";
import type { SpecFileSystem } from "../core/spec/semantic";

export interface ValidateSummary {
  valid: number;
  invalid: number;
}

/** Reads through VS Code's file system so unsaved editors and virtual workspaces are seen as the user sees them. */
const workspaceFs: SpecFileSystem = {
  async readText(path) {
    const uri = vscode.Uri.file(path);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === uri.fsPath);
    if (open) return open.getText();
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      return undefined;
    }
  },
  resolve(specPath, relative) {
    return vscode.Uri.joinPath(vscode.Uri.file(specPath), "..", relative).fsPath;
  },
};

const toRange = (r: { start: { line: number; character: number }; end: { line: number; character: number } }): vscode.Range =>
  new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

export function registerValidateCommand(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  // Used only by this command; live diagnostics while typing come from the language server.
  const collection = vscode.languages.createDiagnosticCollection("agorabench-validate");
  context.subscriptions.push(collection);

  context.subscriptions.push(
    vscode.commands.registerCommand("agorabench.validateSpecs", async (): Promise<ValidateSummary> => {
      // Loaded on first use: the validator pulls in zod, which activation should not pay for.
      const { validateSpecText } = await import("../core/spec/validate.js");
      const files = await vscode.workspace.findFiles("**/*.agora.json", "**/{node_modules,runs}/**");
      let invalid = 0;
      collection.clear();
      for (const uri of files) {
        const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
        const text = doc ? doc.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
        const result = await validateSpecText(text, uri.scheme === "file" ? { fs: workspaceFs, specPath: uri.fsPath } : {});
        if (!result.ok) invalid++;
        collection.set(
          uri,
          result.diagnostics.map((d) => {
            const diag = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
            diag.code = d.code;
            diag.source = "agorabench";
            return diag;
          }),
        );
        log.info(`${vscode.workspace.asRelativePath(uri)}: ${result.ok ? "valid" : `${result.diagnostics.length} problem(s)`}`);
      }
      const valid = files.length - invalid;
      const message = `AgoraBench: ${valid} spec${valid === 1 ? "" : "s"} valid${invalid ? `, ${invalid} with errors` : ""}`;
      if (invalid) {
        void vscode.window.showWarningMessage(message, "Show Problems").then((pick) => {
          if (pick) void vscode.commands.executeCommand("workbench.actions.view.problems");
        });
      } else {
        void vscode.window.showInformationMessage(message);
      }
      return { valid, invalid };
    }),
  );
}
