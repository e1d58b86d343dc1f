/**
 * Small, dependency-free helpers of the workbench (formatting, ids, liveness). Kept apart from
 * run-index.ts so that activation does not evaluate zod and the core schemas: modules loaded at
 * activation import only this file and types; the index itself is imported lazily on first refresh.
 */
import { DOMAIN_INFO, isDomain, isMethod } from "../core/settings";
import type { RunView } from "./run-index";

/** "12/100 · 240/min · $0.031" — the compact progress line of descriptions and the status bar. */
export function formatProgress(p: { done: number; total: number; costUsd: number; throughputPerMin?: number }): string {
  const parts: string[] = [];
  if (p.total === 0 && p.costUsd === 0) return "";
  if (p.total > 0) parts.push(`${p.done}/${p.total}`);
  if (p.throughputPerMin && p.throughputPerMin > 0) parts.push(`${Math.round(p.throughputPerMin)}/min`);
  parts.push(formatUsd(p.costUsd));
  return parts.join(" · ");
}

export function formatUsd(usd: number): string {
  return usd === 0 ? "$0" : usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export { processAlive } from "../core/io/process";

/** The id of a setting as written in a spec, or its default `<domain>.<method>` (core's settingId, zod-free). */
export function settingIdOf(s: { id?: string; domain: string; method: string }): string {
  return s.id ?? `${s.domain}.${s.method}`;
}

/** PGR of a generator on a setting, when the run has scores for the setting's domain. */
export function pgrFor(run: RunView, generator: string, method: string | undefined, domain: string | undefined): number | undefined {
  if (!method || !domain || !isMethod(method) || !isDomain(domain)) return undefined;
  return run.pgr.get(`${generator}|${method}|${DOMAIN_INFO[domain].id}`);
}
