/**
 * known_hosts checking, as OpenSSH does it: plain and hashed (`|1|salt|hmac`) host entries, `[host]:port`
 * for non-default ports, comma lists, `*`/`?` wildcards, `!` negation, `@revoked`. The result is one of
 * trusted / unknown / changed / revoked; the SSH host turns the last three into typed errors carrying the
 * fingerprint so the extension can ask the user (and `acceptHostKey` records the answer).
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";

export type HostKeyVerdict = { kind: "trusted" } | { kind: "unknown" } | { kind: "changed"; line: number } | { kind: "revoked"; line: number };

/** `SHA256:<base64 without padding>`, as `ssh-keygen -lf` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type named inside an SSH public key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
export function keyType(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return "unknown";
  const n = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + n).toString("latin1");
}

/** The name known_hosts uses: `host` on port 22, `[host]:port` otherwise. */
export function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, text: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
  return re.test(text);
}

function hostsFieldMatches(field: string, token: string): boolean {
  if (field.startsWith("|1|")) {
    const [, , salt, hash] = field.split("|");
    if (!salt || !hash) return false;
    const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(token).digest("base64");
    return mac === hash;
  }
  let matched = false;
  for (const pat of field.split(",")) {
    if (pat.startsWith("!")) {
      if (globMatch(pat.slice(1), token)) return false;
    } else if (globMatch(pat, token)) matched = true;
  }
  return matched;
}

/** Checks a host key against the text of a known_hosts file. */
export function checkKnownHosts(text: string, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const token = hostToken(host, port);
  const type = keyType(keyBlob);
  const b64 = keyBlob.toString("base64");
  let changedLine = 0;
  let trusted = false;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw || raw.startsWith("#")) continue;
    const parts = raw.split(/\s+/);
    let marker: string | undefined;
    if (parts[0]!.startsWith("@")) marker = parts.shift();
    const [hosts, ktype, kdata] = parts;
    if (!hosts || !ktype || !kdata || !hostsFieldMatches(hosts, token)) continue;
    if (marker === "@revoked") {
      if (kdata === b64) return { kind: "revoked", line: i + 1 };
      continue;
    }
    if (marker === "@cert-authority") continue; // host certificates are not used here
    if (kdata === b64) trusted = true;
    else if (ktype === type && !changedLine) changedLine = i + 1;
  }
  if (trusted) return { kind: "trusted" };
  if (changedLine) return { kind: "changed", line: changedLine };
  return { kind: "unknown" };
}

export function checkKnownHostsFile(file: string, host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "";
  return checkKnownHosts(text, host, port, keyBlob);
}

/** Records an accepted key (hashed, like `HashKnownHosts yes`). */
export function acceptHostKey(file: string, host: string, port: number, keyBlob: Buffer, hashed = true): void {
  const token = hostToken(host, port);
  let name = token;
  if (hashed) {
    const salt = randomBytes(20);
    name = `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(token).digest("base64")}`;
  }
  mkdirSync(dirname(file), { recursive: true });
  const existing = existsSync(file) ? readFileSync(file, "utf8") : "";
  appendFileSync(file, `${existing && !existing.endsWith("\n") ? "\n" : ""}${name} ${keyType(keyBlob)} ${keyBlob.toString("base64")}\n`, { mode: 0o600 });
}

/** The server offered a key that known_hosts does not list: ask the user, then `acceptHostKey`. */
export class UnknownHostKeyError extends Error {
  readonly code = "HOST_KEY_UNKNOWN";
  constructor(
    readonly host: string,
    readonly port: number,
    readonly keyType: string,
    readonly fingerprint: string,
    readonly knownHostsFile: string,
    /** The raw key, for `acceptHostKey` once the user agreed. */
    readonly key: Buffer,
  ) {
    super(`The authenticity of host ${hostToken(host, port)} can't be established: ${keyType} key fingerprint is ${fingerprint}, not in ${knownHostsFile}. Check it with the host's administrator, then accept it.`);
    this.name = "UnknownHostKeyError";
  }
}

/** The server's key differs from the one recorded: refused, never auto-accepted. */
export class HostKeyMismatchError extends Error {
  readonly code = "HOST_KEY_CHANGED";
  constructor(
    readonly host: string,
    readonly port: number,
    readonly keyType: string,
    readonly fingerprint: string,
    readonly knownHostsFile: string,
    readonly line: number,
    readonly revoked = false,
  ) {
    super(
      revoked
        ? `Host key for ${hostToken(host, port)} (${fingerprint}) is marked @revoked in ${knownHostsFile}:${line}. Connection refused.`
        : `WARNING: the host key for ${hostToken(host, port)} has CHANGED (now ${keyType} ${fingerprint}; ${knownHostsFile}:${line} has another). Someone could be intercepting the connection, or the host was reinstalled. Connection refused; if the change is expected, remove line ${line} of ${knownHostsFile}.`,
    );
    this.name = "HostKeyMismatchError";
  }
}
