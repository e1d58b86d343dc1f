// Optional: the same in-extension-host suites under @vscode/test-electron, the ecosystem's runner, for
// machines that can download a desktop VS Code (`npm run test:electron`). The default `npm test` runs
// them in code-server instead and never needs this.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildHostTests } from "./build-host-tests.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let runTests;
try {
  ({ runTests } = await import("@vscode/test-electron"));
} catch {
  console.error("@vscode/test-electron is not installed: `npm i --no-save @vscode/test-electron` (it downloads VS Code when run).");
  process.exit(2);
}
const extensionTestsPath = buildHostTests();
try {
  await runTests({ extensionDevelopmentPath: root, extensionTestsPath, launchArgs: [join(root, "examples"), "--disable-extensions"] });
} catch (e) {
  console.error(`extension-host suites failed: ${e}`);
  process.exit(1);
}
