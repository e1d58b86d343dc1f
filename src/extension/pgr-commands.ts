/** Commands that show PGR: the paper's Table 2, and PGR computed from a scores file of the workspace. */
import * as vscode from "vscode";

/** The PGR code is loaded on first use, so activation does not evaluate zod and the reference table. */
const pgrModules = () => Promise.all([import("../core/pgr-format.js"), import("../core/pgr.js"), import("../core/spec/load.js")]);

async function showText(title: string, text: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ content: `${title}\n\n${text}\n`, language: "plaintext" });
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}

export function registerPgrCommands(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand("agorabench.showReferencePgr", async () => {
      const [{ formatReferenceTable }, { referenceTable }] = await pgrModules();
      return showText("AgoraBench — PGR (%) reported in the paper (Table 2)", formatReferenceTable(referenceTable(), "table"));
    }),
    vscode.commands.registerCommand("agorabench.computePgr", async (target?: vscode.Uri) => {
      let uri = target;
      if (!uri) {
        const found = await vscode.workspace.findFiles("**/*scores*.json", "**/node_modules/**", 50);
        const pick = await vscode.window.showQuickPick(
          found.map((u) => ({ label: vscode.workspace.asRelativePath(u), uri: u })),
          { title: "AgoraBench: Compute PGR", placeHolder: "Scores file (base, reference and student scores per benchmark)" },
        );
        uri = pick?.uri;
      }
      if (!uri) return undefined;
      const [{ formatPgrDetail, formatPgrTable }, { computePgr, ScoresFile }, { loadJsoncWith }] = await pgrModules();
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      const loaded = loadJsoncWith(ScoresFile, text);
      if (!loaded.value) {
        const first = loaded.diagnostics[0];
        void vscode.window.showErrorMessage(
          `AgoraBench: ${vscode.workspace.asRelativePath(uri)} is not a valid scores file${first ? ` (line ${first.range.start.line + 1}: ${first.message})` : ""}.`,
        );
        return undefined;
      }
      const table = computePgr(loaded.value);
      for (const p of table.problems) log.warn(p.message);
      if (table.problems.length) void vscode.window.showWarningMessage(`AgoraBench: ${table.problems.length} PGR cell(s) could not be computed; see the AgoraBench output.`);
      await showText(`AgoraBench — PGR (%) from ${vscode.workspace.asRelativePath(uri)}`, `${formatPgrTable(table, "table")}\n\n${formatPgrDetail(table)}`);
      return table;
    }),
  );
}
