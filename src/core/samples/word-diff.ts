/**
 * Word-level diff of a quality-enhancement item: the seed instance (original) against the model's rewrite
 * (enhanced), as two part lists for a side-by-side view — deletions only on the left, insertions
 * only on the right, unchanged text on both. Pure (jsdiff's diffWordsWithSpace: whitespace is a token, so each side concatenates back to its exact text).
 */
import { diffWordsWithSpace } from "diff";

export type DiffPartKind = "same" | "removed" | "added";
export interface DiffPart {
  kind: DiffPartKind;
  text: string;
}

export interface WordDiff {
  left: DiffPart[];
  right: DiffPart[];
  /** False when the texts were too long to diff (then each side is one "same" part of its text). */
  diffed: boolean;
}

/** Past this many characters per side a word diff is slow and unreadable: the texts are shown as they are. */
export const WORD_DIFF_LIMIT = 60_000;

export function wordDiff(before: string, after: string, limit = WORD_DIFF_LIMIT): WordDiff {
  if (before.length > limit || after.length > limit) {
    return { left: [{ kind: "same", text: before.slice(0, limit) }], right: [{ kind: "same", text: after.slice(0, limit) }], diffed: false };
  }
  const left: DiffPart[] = [];
  const right: DiffPart[] = [];
  for (const part of diffWordsWithSpace(before, after)) {
    if (part.added) right.push({ kind: "added", text: part.value });
    else if (part.removed) left.push({ kind: "removed", text: part.value });
    else {
      left.push({ kind: "same", text: part.value });
      right.push({ kind: "same", text: part.value });
    }
  }
  return { left, right, diffed: true };
}
