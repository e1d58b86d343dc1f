/**
 * Run-folder files are replaced, never edited in place: the JSON goes to a temp file in the same folder
 * and is renamed over the target, so a kill leaves the previous version, never half a file.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export function writeJsonAtomic(file: string, value: unknown, options: { indent?: number } = {}): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(value, null, options.indent ?? 2)}\n`);
  renameSync(temp, file);
}
