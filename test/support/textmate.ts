/** Tokenizes text with our TextMate grammars through vscode-textmate + oniguruma, the engine VS Code uses. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as oniguruma from "vscode-oniguruma";
import { INITIAL, parseRawGrammar, Registry } from "vscode-textmate";
import { repoRoot } from "./build";

let registry: Registry | undefined;

async function getRegistry(): Promise<Registry> {
  if (registry) return registry;
  const wasm = readFileSync(join(repoRoot, "node_modules", "vscode-oniguruma", "release", "onig.wasm"));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { contributes: { grammars: { scopeName: string; path: string }[] } };
  registry = new Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) => {
      const g = manifest.contributes.grammars.find((x) => x.scopeName === scope);
      if (!g) return null;
      const path = join(repoRoot, g.path);
      return parseRawGrammar(readFileSync(path, "utf8"), path);
    },
  });
  return registry;
}

export interface Token {
  text: string;
  scopes: string[];
}

export async function tokenize(scope: string, text: string): Promise<Token[][]> {
  const grammar = await (await getRegistry()).loadGrammar(scope);
  if (!grammar) throw new Error(`grammar ${scope} not found`);
  let state = INITIAL;
  return text.split("\n").map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}
