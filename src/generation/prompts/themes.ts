/**
 * Theme lists for instance generation: each prompt draws one theme, which spreads the generated
 * instances over topics (the reference code does the same with its own lists; these are ours).
 */
import type { Domain } from "../../core/settings";

export const THEMES: Readonly<Record<Domain, readonly string[]>> = {
  math: [
    "shopping and budgets", "travel times and distances", "cooking and recipes", "sports statistics", "gardening",
    "probability with dice and cards", "geometry of everyday objects", "interest and savings", "work rates",
    "ages and family", "number theory puzzles", "sequences and patterns", "unit conversions", "school supplies",
    "construction and building", "population growth", "mixtures and concentrations", "time and calendars",
    "combinatorics of arrangements", "algebraic word problems",
  ],
  code: [
    "string manipulation", "list processing", "dictionaries and counting", "sorting and searching", "math utilities",
    "date and time handling", "text parsing", "matrix operations", "recursion", "set operations",
    "validation of inputs", "simple simulations", "file-like record processing", "bit manipulation", "greedy algorithms",
    "dynamic programming", "graph traversal", "stack and queue usage", "number formatting", "data cleaning",
  ],
  instruction_following: [
    "writing and editing", "career advice", "science explanations", "history", "health and fitness", "cooking",
    "travel planning", "personal finance", "programming help", "creative writing", "productivity", "relationships",
    "education and learning", "technology how-to", "philosophy", "business strategy", "environment", "language learning",
    "arts and music", "home and DIY",
  ],
};
