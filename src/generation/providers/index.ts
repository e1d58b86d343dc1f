/** Creates the provider of a generator, with its API key from the environment (never logged). */
import type { GeneratorSpec } from "../../core/spec/model";
import { AnthropicProvider } from "./anthropic";
import { OpenAiProvider } from "./openai";
import type { Provider } from "./types";

export * from "./types";

export class MissingKeyError extends Error {}

export function apiKeyEnvName(g: GeneratorSpec): string {
  return g.apiKeyEnv ?? (g.provider === "anthropic" ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY");
}

/** The key of a generator. OpenAI-compatible servers (vLLM) often need none: a placeholder is sent. */
export function resolveApiKey(g: GeneratorSpec, env: NodeJS.ProcessEnv): string {
  const name = apiKeyEnvName(g);
  const key = env[name];
  if (key) return key;
  if (g.provider === "openai-compatible") return "EMPTY";
  throw new MissingKeyError(
    `Generator "${g.id}" needs an API key in the environment variable ${name} (in VS Code: AgoraBench: Set API Key).`,
  );
}

export function createProvider(g: GeneratorSpec, env: NodeJS.ProcessEnv): Provider {
  const key = resolveApiKey(g, env);
  return g.provider === "anthropic" ? new AnthropicProvider(g, key) : new OpenAiProvider(g, key);
}
