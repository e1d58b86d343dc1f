/**
 * Whether a process still runs. `kill -0` alone is not enough: a detached process that exited is
 * re-parented to init, which may take seconds to reap it, and the zombie in between answers `kill -0`.
 * On Linux the /proc state tells a zombie apart; elsewhere `kill -0` is all there is. EPERM means the
 * process exists but belongs to someone else.
 */
import { readFileSync } from "node:fs";

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    // `<pid> (<comm>) <state> …`; comm may hold spaces and parentheses, so take the text after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no /proc (macOS), or it vanished between the two checks: trust kill -0
  }
}
