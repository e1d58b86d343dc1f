/**
 * Appends events to `events.jsonl`. One `appendFileSync` per event: the line and its newline go out in a
 * single O_APPEND write, so concurrent writers never interleave inside a line and a kill leaves at most a
 * torn last line, which `parseEvents` ignores.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { RunEvent } from "./events";
import { RUN_FILES } from "./layout";

/** Anything that accepts events: the file log, a test collector, a fan-out. */
export interface EventSink {
  emit(event: DistributiveOmit<RunEvent, "t"> & { t?: string }): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class EventLog implements EventSink {
  readonly path: string;
  constructor(runDir: string) {
    this.path = join(runDir, RUN_FILES.events);
    mkdirSync(dirname(this.path), { recursive: true });
  }
  emit(event: DistributiveOmit<RunEvent, "t"> & { t?: string }): void {
    const { t, ...rest } = event;
    const line = JSON.stringify({ t: t ?? new Date().toISOString(), ...rest });
    appendFileSync(this.path, `${line}\n`);
  }
}
