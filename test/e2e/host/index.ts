/**
 * Entry point VS Code's extension host calls for `extensionTestsPath` (the contract @vscode/test-electron
 * uses too): runs every compiled `*.host.test.js` beside this file with mocha and rejects on failure.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import Mocha from "mocha";

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: "bdd", color: false, timeout: 60_000 });
  for (const f of readdirSync(__dirname).filter((x) => x.endsWith(".host.test.js")).sort()) mocha.addFile(join(__dirname, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} in-host test(s) failed`)) : resolve()));
  });
}
