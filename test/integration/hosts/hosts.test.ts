/**
 * Hosts against real parts: local processes, the test sshd on 127.0.0.1 (scripts/services/test-services.sh)
 * and single-node Slurm with fake GPU gres. Fault tests drop the SSH link mid-job and reattach.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive } from "../../../src/core/io/process";
import { acceptHostKey, checkKnownHosts, fingerprint, HostKeyMismatchError, type JobHandle, LocalHost, SlurmHost, SshHost, UnknownHostKeyError } from "../../../src/hosts";
import { createHost, loadHostDefinitions } from "../../../src/hosts";
import { ensureServices, sshdSessionPids, type TestServices } from "../../support/services";

const hostKeyBlob = (s: TestServices): Buffer => Buffer.from(readFileSync(s.hostPub, "utf8").split(" ")[1]!, "base64");

function collect(): { text: () => string; onData: (c: Buffer) => void } {
  const parts: Buffer[] = [];
  return { text: () => Buffer.concat(parts).toString(), onData: (c) => parts.push(c) };
}


describe("hosts: local", function () {
  this.timeout(30_000);
  const dir = mkdtempSync(join(tmpdir(), "agora-local-host-"));
  const host = new LocalHost();
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("execs with streaming stdout, separate stderr and exit codes", async () => {
    const chunks: string[] = [];
    const r = await host.exec("echo out; echo err >&2; exit 7", { onStdout: (c) => chunks.push(c.toString()), env: { A: "x y" } });
    assert.equal(r.code, 7);
    assert.equal(chunks.join(""), "out\n");
    assert.equal(r.stderr, "err\n");
    assert.equal((await host.exec('printf %s "$A"', { env: { A: "it's $HOME" } })).stdout, "it's $HOME");
  });

  it("starts a detached job, follows its log to the exit code, and reads from an offset", async () => {
    const h = await host.startDetached({ name: "t", dir: join(dir, "job1"), command: "for i in 1 2 3; do echo line$i; sleep 0.1; done; exit 3" });
    assert.ok(h.pid && h.pid > 0);
    const c = collect();
    const st = await host.follow(h, 0, c.onData);
    assert.deepEqual([st.state, st.exitCode], ["failed", 3]);
    assert.equal(c.text(), "line1\nline2\nline3\n");
    assert.equal((await host.readLog(h, 6)).data.toString(), "line2\nline3\n");
    assert.equal(readFileSync(join(dir, "job1", "command.sh"), "utf8").includes("exit 3"), true);
  });

  it("cancel kills the whole process tree", async () => {
    const h = await host.startDetached({ name: "t", dir: join(dir, "job2"), command: "sleep 300 & sleep 301 & echo started; wait" });
    await new Promise((r) => setTimeout(r, 300));
    const kids = (await host.exec(`pgrep -g ${h.pid}`)).stdout.split("\n").filter(Boolean).map(Number);
    assert.ok(kids.length >= 3, `expected the job's process group, got ${kids.join(",")}`);
    await host.cancel(h);
    const st = await host.status(h);
    assert.equal(st.state, "cancelled");
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(kids.filter(processAlive), [], "no process of the group is left (zombies count as gone)");
  });

  it("reports the GPU inventory or a clear 'no GPU'", async () => {
    const inv = await host.gpus();
    if (inv.gpus.length === 0) assert.match(inv.message, /^no GPU/);
    else assert.ok(inv.gpus[0]!.name);
    assert.equal((await host.testConnection()).ok, true);
  });
});

describe("hosts: ssh (real sshd on 127.0.0.1)", function () {
  this.timeout(60_000);
  let services: TestServices;
  let ssh: SshHost;
  const dir = mkdtempSync(join(tmpdir(), "agora-ssh-host-"));
  const mk = (extra: Partial<ConstructorParameters<typeof SshHost>[0]> = {}): SshHost =>
    new SshHost({ name: "gpu-box", host: "127.0.0.1", port: services.sshPort, user: services.sshUser, identityFile: services.sshKey, knownHostsFile: services.knownHosts, agent: false, ...extra });

  before(function () {
    const s = ensureServices();
    if (!s) this.skip();
    services = s!;
    ssh = mk();
  });
  after(async () => {
    await ssh?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("execs with streaming output and exit codes, and tests the connection", async () => {
    const chunks: string[] = [];
    const r = await ssh.exec("echo a; sleep 0.05; echo b; echo e >&2; exit 5", { onStdout: (c) => chunks.push(c.toString()) });
    assert.equal(r.code, 5);
    assert.equal(chunks.join(""), "a\nb\n");
    assert.equal(r.stderr, "e\n");
    const t = await ssh.testConnection();
    assert.equal(t.ok, true, t.message);
    const inv = await ssh.gpus();
    assert.match(inv.message, /no GPU/);
  });

  it("uploads and downloads through SFTP", async () => {
    const src = join(dir, "up.bin");
    const payload = Buffer.alloc(300_000, 7);
    payload.write("hello");
    writeFileSync(src, payload);
    await ssh.upload(src, join(dir, "remote", "x", "up.bin"));
    await ssh.download(join(dir, "remote", "x", "up.bin"), join(dir, "back.bin"));
    assert.ok(readFileSync(join(dir, "back.bin")).equals(payload));
  });

  it("accepts a hashed known_hosts entry", async () => {
    const kh = join(dir, "known_hosts_hashed");
    acceptHostKey(kh, "127.0.0.1", services.sshPort, hostKeyBlob(services), true);
    assert.match(readFileSync(kh, "utf8"), /^\|1\|/);
    const h = mk({ knownHostsFile: kh });
    assert.equal((await h.exec("echo ok")).stdout, "ok\n");
    await h.close();
  });

  it("refuses a changed host key", async () => {
    const kh = join(dir, "known_hosts_wrong");
    const other = Buffer.from(readFileSync(services.sshKey + ".pub", "utf8").split(" ")[1]!, "base64"); // also ed25519, not the host's
    writeFileSync(kh, `[127.0.0.1]:${services.sshPort} ssh-ed25519 ${other.toString("base64")}\n`);
    const h = mk({ knownHostsFile: kh });
    const err = await h.exec("echo never").then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof HostKeyMismatchError, String(err));
    assert.equal(err.fingerprint, fingerprint(hostKeyBlob(services)));
    assert.match(err.message, /CHANGED/);
  });

  it("reports an unknown host key as a typed error with its fingerprint, then connects once accepted", async () => {
    const kh = join(dir, "known_hosts_empty");
    const h = mk({ knownHostsFile: kh });
    const err = await h.exec("echo never").then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof UnknownHostKeyError, String(err));
    assert.equal(err.code, "HOST_KEY_UNKNOWN");
    assert.equal(err.fingerprint, fingerprint(hostKeyBlob(services)));
    assert.equal(err.keyType, "ssh-ed25519");
    acceptHostKey(kh, err.host, err.port, err.key);
    assert.deepEqual(checkKnownHosts(readFileSync(kh, "utf8"), "127.0.0.1", services.sshPort, err.key), { kind: "trusted" });
    assert.equal((await h.exec("echo ok")).stdout, "ok\n");
    await h.close();
  });

  it("authenticates with keys from an SSH agent (no key file)", async () => {
    const sock = join(dir, "agent.sock");
    const agent = spawnSync("ssh-agent", ["-a", sock], { encoding: "utf8" });
    assert.equal(agent.status, 0, agent.stderr);
    const agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1]);
    try {
      const add = spawnSync("ssh-add", [services.sshKey], { encoding: "utf8", env: { ...process.env, SSH_AUTH_SOCK: sock } });
      assert.equal(add.status, 0, add.stderr);
      const h = new SshHost({ name: "via-agent", host: "127.0.0.1", port: services.sshPort, user: services.sshUser, knownHostsFile: services.knownHosts, agent: sock });
      assert.equal((await h.exec("echo agent-ok")).stdout, "agent-ok\n");
      await h.close();
    } finally {
      if (agentPid) process.kill(agentPid, "SIGTERM");
    }
  });

  it("connects through a jump host", async () => {
    const jump = mk({ name: "bastion" });
    const h = mk({ jump });
    assert.equal((await h.exec("echo via-jump")).stdout, "via-jump\n");
    await h.close();
    await jump.close();
  });

  it("FAULT: a job survives the SSH link being killed; reattach sees the rest of the log and the exit code", async () => {
    const h = await ssh.startDetached({ name: "fault", dir: join(dir, "job-fault"), command: "for i in $(seq 1 12); do echo tick$i; sleep 0.1; done; exit 4" });
    const c = collect();
    let offset = 0;
    const ac = new AbortController();
    const following = ssh.follow(h, 0, (chunk, off) => {
      c.onData(chunk);
      offset = off;
    }, ac.signal);
    // Let some output arrive, then kill every sshd session process (the link drops for real).
    for (let i = 0; i < 50 && !c.text().includes("tick3"); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(c.text(), /tick3/);
    for (const pid of sshdSessionPids(services)) process.kill(pid, "SIGKILL");
    const st = await following;
    assert.deepEqual([st.state, st.exitCode], ["failed", 4]);
    const lines = c.text().trim().split("\n");
    assert.deepEqual(lines, Array.from({ length: 12 }, (_, i) => `tick${i + 1}`), "no line lost or repeated across the drop");
    assert.equal(offset, Buffer.byteLength(c.text()));
  });

  it("FAULT: a fresh client reattaches from the persisted handle and a byte offset", async () => {
    const h = await ssh.startDetached({ name: "reattach", dir: join(dir, "job-re"), command: "echo first; sleep 0.6; echo second; exit 0" });
    const persisted = JSON.parse(JSON.stringify(h)) as JobHandle;
    await new Promise((r) => setTimeout(r, 200));
    const first = await ssh.readLog(h, 0);
    ssh.dropConnection();
    const other = mk();
    const c = collect();
    const st = await other.follow(persisted, first.offset, c.onData);
    assert.equal(first.data.toString(), "first\n");
    assert.deepEqual([st.state, st.exitCode, c.text()], ["finished", 0, "second\n"]);
    await other.close();
  });

  it("passes secrets to a job over stdin: in its environment, never in a file or a command line", async () => {
    const secret = "hf_s3cr3t-'quoted' $NOT_EXPANDED";
    const jobDir = join(dir, "job-secret");
    const h = await ssh.startDetached({ name: "secret", dir: jobDir, command: 'printf "%s|" "$HF_TOKEN" "$EXTRA"; tr "\\0" "\\n" < /proc/$$/cmdline | grep -cF -- "$HF_TOKEN" || true', secretEnv: { HF_TOKEN: secret, EXTRA: "two" } });
    const c = collect();
    const st = await ssh.follow(h, 0, c.onData);
    assert.equal(st.state, "finished");
    assert.equal(c.text(), `${secret}|two|0\n`, "the job sees the values; its own command line does not hold them");
    for (const f of ["command.sh", "job.sh"]) assert.ok(!readFileSync(join(jobDir, f), "utf8").includes("s3cr3t"), `${f} must not hold the secret`);
    await assert.rejects(ssh.startDetached({ name: "bad", dir: jobDir, command: "true", secretEnv: { K: "a\nb" } }), /line break/);
  });

  it("cancel kills the remote process tree", async () => {
    const h = await ssh.startDetached({ name: "cancel", dir: join(dir, "job-cancel"), command: "bash -c 'sleep 300' & sleep 299; wait" });
    await new Promise((r) => setTimeout(r, 300));
    const before = (await ssh.exec(`pgrep -g ${h.pid} | wc -l`)).stdout.trim();
    assert.ok(Number(before) >= 3, before);
    await ssh.cancel(h);
    assert.equal((await ssh.status(h)).state, "cancelled");
    const after = (await ssh.exec(`ps -o stat= -g ${h.pid} | grep -v Z | wc -l`)).stdout.trim();
    assert.equal(after, "0");
  });
});

describe("hosts: slurm (single node, fake GPU gres)", function () {
  this.timeout(90_000);
  let services: TestServices;
  let slurm: SlurmHost;
  const dir = mkdtempSync(join(tmpdir(), "agora-slurm-host-"));

  before(function () {
    const s = ensureServices();
    if (!s?.slurm) this.skip();
    services = s!;
    slurm = new SlurmHost("cluster", new LocalHost("login"), { partition: "debug", gpusPerJob: 1, time: "0:10:00", memory: "100M" }, { SLURM_CONF: services.slurmConf });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("submits with gres, the job sees its GPU, and the exit code comes back", async () => {
    const h = await slurm.startDetached({ name: "gres", dir: join(dir, "j1"), command: 'echo "gpus=$CUDA_VISIBLE_DEVICES job=$SLURM_JOB_ID"; exit 2' });
    assert.match(h.jobId ?? "", /^\d+$/);
    assert.match(readFileSync(join(dir, "j1", "job.sh"), "utf8"), /#SBATCH --gres=gpu:1\n/);
    const c = collect();
    const st = await slurm.follow(h, 0, c.onData);
    assert.deepEqual([st.state, st.exitCode], ["failed", 2]);
    assert.match(c.text(), new RegExp(`gpus=\\d job=${h.jobId}`));
    const inv = await slurm.gpus();
    assert.equal(inv.gpus.length, 2);
    assert.equal((await slurm.testConnection()).ok, true);
  });

  it("a third GPU request pends while two are taken; scancel stops jobs", async () => {
    const jobs = await Promise.all([1, 2, 3].map((i) => slurm.startDetached({ name: `hold${i}`, dir: join(dir, `hold${i}`), command: "sleep 120" })));
    let states: string[] = [];
    for (let i = 0; i < 100; i++) {
      states = (await Promise.all(jobs.map((j) => slurm.status(j)))).map((s) => s.state).sort();
      if (states.join() === "pending,running,running") break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(states, ["pending", "running", "running"]);
    for (const j of jobs) await slurm.cancel(j);
    for (const j of jobs) assert.equal((await slurm.status(j)).state, "cancelled");
    const q = await slurm.exec(`squeue -h -j ${jobs.map((j) => j.jobId).join(",")} -o %T`);
    assert.equal(q.stdout.trim(), "");
  });

  it("runs array jobs for sweeps (one exit file per task)", async () => {
    const h = await slurm.startDetached({ name: "sweep", dir: join(dir, "arr"), command: 'echo "task $SLURM_ARRAY_TASK_ID"', resources: { array: 2, gpus: 0 } });
    const st = await slurm.follow(h, 0, () => undefined);
    assert.equal(st.state, "finished");
    assert.equal(readFileSync(join(dir, "arr", "job.log.1"), "utf8"), "task 1\n");
    assert.equal(readFileSync(join(dir, "arr", "job.exit.0"), "utf8").trim(), "0");
  });

  it("works through an SSH login node (via)", async () => {
    writeFileSync(
      join(dir, "agora.hosts.json"),
      JSON.stringify({
        hosts: [
          { name: "login", kind: "ssh", host: "127.0.0.1", port: services.sshPort, user: services.sshUser, identityFile: services.sshKey, knownHostsFile: services.knownHosts },
          { name: "cluster", kind: "slurm", via: "login", gpusPerJob: 1, time: "0:05:00", env: { SLURM_CONF: services.slurmConf } },
        ],
      }),
    );
    const host = createHost("cluster", loadHostDefinitions(join(dir, "agora.hosts.json")));
    const h = await host.startDetached({ name: "via", dir: join(dir, "via"), command: "echo through-ssh" });
    const c = collect();
    const st = await host.follow(h, 0, c.onData);
    assert.deepEqual([st.state, c.text()], ["finished", "through-ssh\n"]);
    await host.close();
  });
});
