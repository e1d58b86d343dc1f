/**
 * vscode-json-languageservice, fed with the schemas generated from the zod model (bundled: imported as
 * JSON), for what it does well: schema-driven completion, hover, folding and comment-preserving formatting.
 * One service per document kind, so a spec never gets the hosts schema and vice versa. A `$schema` property
 * pointing at our schema files resolves to the bundled copy; anything else is refused (no network).
 */
import { getLanguageService, type JSONSchema, type LanguageService } from "vscode-json-languageservice";
import hostsSchemaJson from "../../schemas/agora-hosts.schema.json";
import specSchemaJson from "../../schemas/agora-spec.schema.json";

export type DocKind = "spec" | "hosts";

export const SPEC_SCHEMA = specSchemaJson as unknown as JSONSchema;
export const HOSTS_SCHEMA = hostsSchemaJson as unknown as JSONSchema;
const SPEC_SCHEMA_URI = "agora-schema://schemas/agora-spec.schema.json";
const HOSTS_SCHEMA_URI = "agora-schema://schemas/agora-hosts.schema.json";

function requestSchema(uri: string): Promise<string> {
  if (/agora-spec\.schema\.json$/.test(uri)) return Promise.resolve(JSON.stringify(SPEC_SCHEMA));
  if (/agora-hosts\.schema\.json$/.test(uri)) return Promise.resolve(JSON.stringify(HOSTS_SCHEMA));
  return Promise.reject(new Error(`Schema ${uri} is not bundled; the AgoraBench language server loads no schema from the network.`));
}

function service(uri: string, schema: JSONSchema): LanguageService {
  const ls = getLanguageService({
    schemaRequestService: requestSchema,
    workspaceContext: { resolveRelativePath: (relative, resource) => new URL(relative, resource).href },
  });
  ls.configure({ validate: true, allowComments: true, schemas: [{ uri, fileMatch: ["*"], schema }] });
  return ls;
}

const services: Record<DocKind, LanguageService> = {
  spec: service(SPEC_SCHEMA_URI, SPEC_SCHEMA),
  hosts: service(HOSTS_SCHEMA_URI, HOSTS_SCHEMA),
};

export function jsonService(kind: DocKind): LanguageService {
  return services[kind];
}

export function schemaOf(kind: DocKind): JSONSchema {
  return kind === "spec" ? SPEC_SCHEMA : HOSTS_SCHEMA;
}

/** The object schemas that may describe the value at `path` (several for unions such as host kinds). */
export function schemasAt(root: JSONSchema, path: readonly (string | number)[]): JSONSchema[] {
  let current: JSONSchema[] = [root];
  for (const seg of path) {
    const next: JSONSchema[] = [];
    for (const s of current.flatMap(expand)) {
      if (typeof seg === "number") {
        if (s.items && typeof s.items === "object" && !Array.isArray(s.items)) next.push(s.items);
      } else {
        const p = s.properties?.[seg];
        if (p && typeof p === "object") next.push(p);
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current.flatMap(expand);
}

function expand(s: JSONSchema): JSONSchema[] {
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].filter((x): x is JSONSchema => typeof x === "object");
  return alts.length ? [s, ...alts.flatMap(expand)] : [s];
}

/** Property names the schema allows in the object at `path`. */
export function allowedKeys(kind: DocKind, path: readonly (string | number)[]): string[] {
  const keys = new Set<string>();
  for (const s of schemasAt(schemaOf(kind), path)) for (const k of Object.keys(s.properties ?? {})) keys.add(k);
  return [...keys];
}
