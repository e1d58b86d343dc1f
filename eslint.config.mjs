// Flat config: typescript-eslint's recommended rules, plus the ones that keep our public API honest.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "media/webviews/**", "test-results/**", "test/fixtures/**", "schemas/**", "examples/runs/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", __dirname: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-imports": "off",
    },
  },
  {
    // CommonJS helpers (mocha loads reporters with require).
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["scripts/**/*.mjs", "bench/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", fetch: "readonly", setTimeout: "readonly" } },
  },
  {
    // Only src/extension may import vscode (DESIGN.md); the core must stay free of it and of the network.
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: ["vscode", "http", "https", "net", "node:http", "node:https", "node:net", "openai", "@anthropic-ai/sdk", "ssh2"] }],
    },
  },
  {
    files: ["src/server/**/*.ts", "src/cli/**/*.ts", "src/generation/**/*.ts", "src/pipeline/**/*.ts", "src/hosts/**/*.ts", "src/webviews/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { paths: ["vscode"] }] },
  },
);
