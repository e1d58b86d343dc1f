/**
 * Host-side validation of what the webviews send. A webview renders model-generated text, so its messages
 * are untrusted input: anything malformed is dropped (undefined), never thrown. Kept apart from the
 * protocol types because the webview bundles must not pull in zod (see ./samples.ts).
 */
import { z } from "zod";
import type { ChartsRequest } from "./charts";
import { type SampleQuery, type SamplesRequest, SORT_KEYS, STATUS_FILTERS } from "./samples";

export const SampleQuerySchema = z.object({
  text: z.string().max(500).default(""),
  statuses: z.array(z.enum(STATUS_FILTERS)).default([]),
  generators: z.array(z.string().max(200)).max(200).default([]),
  settings: z.array(z.string().max(200)).max(200).default([]),
  judgeMin: z.number().min(0).max(10).optional(),
  judgeMax: z.number().min(0).max(10).optional(),
  sort: z.enum(SORT_KEYS).default("line"),
  descending: z.boolean().default(false),
}) satisfies z.ZodType<SampleQuery, unknown>;

const line = z.int().min(0);

export const SamplesRequestSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), state: z.unknown().optional() }),
  z.object({ type: z.literal("query"), requestId: z.int().min(0), query: SampleQuerySchema, locate: line.optional() }),
  z.object({ type: z.literal("rows"), requestId: z.int().min(0), start: line, end: line }),
  z.object({ type: z.literal("detail"), line }),
  z.object({ type: z.literal("prompt"), line }),
  z.object({ type: z.literal("revealInEditor"), line }),
  z.object({ type: z.literal("copyJson"), line }),
  z.object({ type: z.literal("export") }),
]) satisfies z.ZodType<SamplesRequest, unknown>;

/** Validates a message from the samples webview; undefined for anything malformed. */
export function parseSamplesRequest(msg: unknown): SamplesRequest | undefined {
  const r = SamplesRequestSchema.safeParse(msg);
  return r.success ? r.data : undefined;
}

export const ChartsRequestSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({
    type: z.literal("export"),
    format: z.enum(["svg", "png"]),
    name: z.string().regex(/^[A-Za-z0-9._-]{1,80}$/),
    /** SVG text, or a PNG as base64 (at most ~20 MB). */
    content: z.string().max(28_000_000),
  }),
]) satisfies z.ZodType<ChartsRequest, unknown>;

/** Validates a message from the charts webview; undefined for anything malformed. */
export function parseChartsRequest(msg: unknown): ChartsRequest | undefined {
  const r = ChartsRequestSchema.safeParse(msg);
  return r.success ? r.data : undefined;
}
