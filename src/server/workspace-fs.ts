/**
 * The language server's SpecFileSystem: node:fs behind a cache keyed by (mtime, size), so re-validating on
 * every keystroke costs one `stat` per referenced file instead of re-reading and re-parsing seed files. It
 * also records which files each validation looked at (found or not), so a change to exactly those files
 * re-validates the specs that depend on them.
 */
import { open, readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseSeedText, type SeedReadResult, type SpecFileSystem } from "../core/spec/semantic";

/** Seed files larger than this are read up to here (their statistics stay representative). */
export const MAX_SEED_BYTES = 32 * 1024 * 1024;
/** Hosts files and other texts larger than this are not read (a hosts file is a few KB). */
const MAX_TEXT_BYTES = 8 * 1024 * 1024;

interface Entry<T> {
  mtimeMs: number;
  size: number;
  value: T;
}

export class CachedFs {
  private readonly texts = new Map<string, Entry<string | undefined>>();
  private readonly seeds = new Map<string, Entry<SeedReadResult | undefined>>();

  /**
   * A SpecFileSystem for one validation: it adds every path it touches to `deps`, and asks the disk once per
   * path (hundreds of settings usually share a few seed files; one `stat` each instead of one per setting).
   */
  tracking(deps: Set<string>): SpecFileSystem {
    const texts = new Map<string, Promise<string | undefined>>();
    const seeds = new Map<string, Promise<SeedReadResult | undefined>>();
    const once = <T>(memo: Map<string, Promise<T>>, p: string, read: (p: string) => Promise<T>): Promise<T> => {
      deps.add(p);
      let hit = memo.get(p);
      if (!hit) memo.set(p, (hit = read(p)));
      return hit;
    };
    return {
      readText: (p) => once(texts, p, (x) => this.readText(x)),
      readSeed: (p) => once(seeds, p, (x) => this.readSeed(x)),
      resolve: (specPath, relative) => (isAbsolute(relative) ? relative : resolve(dirname(specPath), relative)),
    };
  }

  invalidate(path: string): void {
    this.texts.delete(path);
    this.seeds.delete(path);
  }

  async readText(path: string): Promise<string | undefined> {
    return this.cached(this.texts, path, async (size) => (size > MAX_TEXT_BYTES ? undefined : readFile(path, "utf8")));
  }

  async readSeed(path: string): Promise<SeedReadResult | undefined> {
    return this.cached(this.seeds, path, async (size) => {
      if (size <= MAX_SEED_BYTES) return parseSeedText(await readFile(path, "utf8"));
      // Very large seed files: the first MAX_SEED_BYTES, cut at the last complete line.
      const handle = await open(path, "r");
      try {
        const buf = Buffer.alloc(MAX_SEED_BYTES);
        const { bytesRead } = await handle.read(buf, 0, MAX_SEED_BYTES, 0);
        const text = buf.subarray(0, bytesRead).toString("utf8");
        return parseSeedText(text.slice(0, text.lastIndexOf("\n") + 1));
      } finally {
        await handle.close();
      }
    });
  }

  private async cached<T>(map: Map<string, Entry<T | undefined>>, path: string, load: (size: number) => Promise<T | undefined>): Promise<T | undefined> {
    let s;
    try {
      s = await stat(path);
    } catch {
      map.delete(path);
      return undefined;
    }
    if (!s.isFile()) return undefined;
    const hit = map.get(path);
    if (hit && hit.mtimeMs === s.mtimeMs && hit.size === s.size) return hit.value;
    let value: T | undefined;
    try {
      value = await load(s.size);
    } catch {
      value = undefined;
    }
    map.set(path, { mtimeMs: s.mtimeMs, size: s.size, value });
    return value;
  }
}
