/**
 * vscode-json-languageservice, fed with the schemas generated from the zod model (bundled: imported as
 * JSON), for what it does well: schema-driven completion, hover, folding and comment-preserving formatting.
 * One service per document kind, so a spec never gets the hosts schema and vice versa. The JSON service
 * prefers a document's own `$schema` to any association, so a `$schema` naming our schema files resolves
 * to the bundled copy and any other value (a typo, a URL) to the kind's bundled schema: nothing is loaded
 * from the network, and a stray `$schema` cannot switch completion and hover off.
 */
import { type ClientCapabilities, getLanguageService, type JSONSchema, type LanguageService } from "vscode-json-languageservice";
import hostsSchemaJson from "../../schemas/agora-hosts.schema.json";
import specSchemaJson from "../../schemas/agora-spec.schema.json";

export type DocKind = "spec" | "hosts";

export const SPEC_SCHEMA = specSchemaJson as unknown as JSONSchema;
export const HOSTS_SCHEMA = hostsSchemaJson as unknown as JSONSchema;
const SPEC_SCHEMA_URI = "agora-schema://schemas/agora-spec.schema.json";
const HOSTS_SCHEMA_URI = "agora-schema://schemas/agora-hosts.schema.json";

const SPEC_TEXT = JSON.stringify(SPEC_SCHEMA);
const HOSTS_TEXT = JSON.stringify(HOSTS_SCHEMA);

function requestSchema(uri: string, own: string): Promise<string> {
  if (/agora-spec\.schema\.json$/.test(uri)) return Promise.resolve(SPEC_TEXT);
  if (/agora-hosts\.schema\.json$/.test(uri)) return Promise.resolve(HOSTS_TEXT);
  return Promise.resolve(own);
}

function service(uri: string, schema: JSONSchema, clientCapabilities: ClientCapabilities): LanguageService {
  const own = JSON.stringify(schema);
  const ls = getLanguageService({
    schemaRequestService: (requested) => requestSchema(requested, own),
    workspaceContext: { resolveRelativePath: (relative, resource) => new URL(relative, resource).href },
    clientCapabilities,
  });
  ls.configure({ validate: true, allowComments: true, schemas: [{ uri, fileMatch: ["*"], schema }] });
  return ls;
}

function makeServices(capabilities: ClientCapabilities): Record<DocKind, LanguageService> {
  return { spec: service(SPEC_SCHEMA_URI, SPEC_SCHEMA, capabilities), hosts: service(HOSTS_SCHEMA_URI, HOSTS_SCHEMA, capabilities) };
}

let services = makeServices({});

/**
 * Tells the JSON service what the client renders. It only sends markdown documentation (the schema's
 * `markdownDescription`, per-value `markdownEnumDescriptions`) to clients that say they show markdown, so
 * without this every completion item would carry the plain-text fallback.
 */
export function configureJsonServices(capabilities: ClientCapabilities): void {
  services = makeServices(capabilities);
}

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
