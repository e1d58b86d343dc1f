/**
 * The zod model of a workspace hosts file (`agora.hosts.json`): where stages run. `schemas/agora-hosts.schema.json`
 * is generated from it, like the spec schema.
 */
import { z } from "zod";

const HostName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "Use letters, digits, '.', '_' or '-', starting with a letter or digit.")
  .max(64)
  .describe("Name of the host, referenced from specs (`hosts.default`, `settings[].host`, `student.host`, `evaluation.host`).");

const WorkDir = z.string().min(1).describe("Folder on the host where run folders are created (created when missing).");

const MaxJobs = (fallback: number, what: string) =>
  z.int().min(1).max(1000).default(fallback).describe(`Stage jobs (train / evaluate) run at the same time on this host. Default ${fallback}: ${what}.`);

const ForwardEnv = z
  .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "An environment variable name."))
  .optional()
  .describe(
    "Names of environment variables passed from your environment (or VS Code's secret storage) to stage jobs on this host, e.g. `HF_TOKEN` for gated models. Values travel over the connection's stdin and are never written to the host, the run folder or logs. `OPENAI_API_KEY` is passed automatically to AlpacaEval and Arena-Hard jobs (their judge needs it), and `HF_TOKEN` whenever it is set.",
  );

export const LocalHost = z
  .strictObject({
    name: HostName,
    kind: z.literal("local").describe("Runs stages as processes on this machine."),
    workDir: WorkDir.optional().describe("Folder where stage jobs run. Default: the run folder itself."),
    env: z.record(z.string(), z.string()).optional().describe("Extra environment variables for stage commands (never API keys: use SecretStorage or your shell)."),
    maxJobs: MaxJobs(1, "one training or evaluation at a time, so jobs do not fight over the GPUs"),
  })
  .describe("This machine.");

export const SshHost = z
  .strictObject({
    name: HostName,
    kind: z.literal("ssh").describe("Runs stages on a machine reached over SSH (host key checked against known_hosts)."),
    host: z.string().min(1).describe("Host name or address."),
    port: z.int().min(1).max(65535).default(22).describe("SSH port."),
    user: z.string().min(1).describe("User name on the host."),
    identityFile: z.string().min(1).optional().describe("Private key file (default: the SSH agent, then ~/.ssh/id_ed25519 and id_rsa)."),
    knownHostsFile: z.string().min(1).optional().describe("known_hosts file used to verify the host key (default: ~/.ssh/known_hosts)."),
    jumpHost: HostName.optional().describe("Another SSH host of this file to connect through (like `ProxyJump`)."),
    workDir: WorkDir.default("~/agorabench"),
    env: z.record(z.string(), z.string()).optional().describe("Extra environment variables for stage commands."),
    forwardEnv: ForwardEnv,
    maxJobs: MaxJobs(1, "one training or evaluation at a time, so jobs do not fight over the GPUs"),
  })
  .describe("A machine reached over SSH.");

export const SlurmHost = z
  .strictObject({
    name: HostName,
    kind: z.literal("slurm").describe("Submits stages as Slurm jobs with `sbatch`."),
    via: HostName.optional().describe("SSH host of this file where `sbatch` runs (a login node). Omit to call Slurm on this machine."),
    partition: z.string().min(1).optional().describe("Slurm partition (`--partition`)."),
    gpusPerJob: z.int().min(0).max(64).default(1).describe("GPUs per job, requested as `--gres=gpu:N`."),
    gresType: z.string().min(1).optional().describe("GPU type in the gres request, e.g. `h100` for `--gres=gpu:h100:N`."),
    time: z.string().regex(/^(\d+-)?\d{1,2}(:\d{2}){0,2}$/, "Slurm time such as 2:00:00 or 1-12:00:00.").default("24:00:00").describe("Time limit (`--time`)."),
    memory: z.string().regex(/^\d+[KMGT]?$/, "Slurm memory such as 64G.").optional().describe("Memory per node (`--mem`)."),
    account: z.string().min(1).optional().describe("Slurm account (`--account`)."),
    extraArgs: z.array(z.string()).optional().describe("More `#SBATCH` arguments, one per entry, e.g. `--qos=high`."),
    workDir: WorkDir.default("~/agorabench"),
    env: z.record(z.string(), z.string()).optional().describe("Extra environment variables for job scripts."),
    forwardEnv: ForwardEnv,
    maxJobs: MaxJobs(32, "Slurm queues what the cluster cannot run yet"),
  })
  .describe("A Slurm cluster, used locally or through an SSH login node.");

export const HostDefinition = z.discriminatedUnion("kind", [LocalHost, SshHost, SlurmHost]);

export const HostsFile = z
  .strictObject({
    $schema: z.string().optional().describe("JSON schema of this file."),
    hosts: z.array(HostDefinition).min(1).describe("Hosts stages can run on. `local` is always available even if not listed."),
  })
  .describe("Hosts an AgoraBench workspace can run stages on.");

export type HostDefinition = z.output<typeof HostDefinition>;
export type HostsFile = z.output<typeof HostsFile>;

/** The implicit host every workspace has. */
export const IMPLICIT_LOCAL_HOST: HostDefinition = { name: "local", kind: "local", maxJobs: 1 };
