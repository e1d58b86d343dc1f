/** The node:fs implementation of SpecFileSystem, used by the CLI, the language server and the engine. */
import { readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import type { SpecFileSystem } from "../spec/semantic";

export const nodeSpecFs: SpecFileSystem = {
  async readText(path) {
    try {
      // Only regular files: a seed "file" naming a FIFO or /dev/zero would block or never end.
      if (!(await stat(path)).isFile()) return undefined;
      return await readFile(path, "utf8");
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return undefined;
      throw e;
    }
  },
  resolve(specPath, relative) {
    return isAbsolute(relative) ? relative : resolve(dirname(specPath), relative);
  },
};
