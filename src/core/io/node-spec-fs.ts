/** The node:fs implementation of SpecFileSystem, used by the CLI, the language server and the engine. */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import type { SpecFileSystem } from "../spec/semantic";

export const nodeSpecFs: SpecFileSystem = {
  async readText(path) {
    try {
      return await readFile(path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "EISDIR") return undefined;
      throw e;
    }
  },
  resolve(specPath, relative) {
    return isAbsolute(relative) ? relative : resolve(dirname(specPath), relative);
  },
};
