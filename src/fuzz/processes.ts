/**
 * The fuzzer's child processes, on loopback only: its own redis-server on a
 * free port (never the shared one on 6379) and the fstore server
 * (server-process.ts). Each is stopped by its own pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Child {
  proc: ChildProcess;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

function track(proc: ChildProcess): Child {
  const exited = new Promise<number | string>((resolve) =>
    proc.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return {
    proc,
    exited,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const a = srv.address();
        srv.close(() => resolve(typeof a === "object" && a ? a.port : 0));
      });
    });
    if (port !== 6379) return port;
  }
}

/** A throwaway redis-server on 127.0.0.1 (no persistence); resolves once it accepts connections. */
export async function startRedisServer(): Promise<Child & { connectionString: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fstore-fuzz-redis-"));
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { stdio: "ignore" },
  );
  const child = track(proc);
  const until = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > until) {
      await child.stop();
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { ...child, connectionString: `127.0.0.1:${port}` };
}

/**
 * The fstore server over `repoPath`, in its own process; resolves with its port once it listens.
 * FSTORE_SERVER_NODE_ARGS adds node flags to that process only, e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/prof" (NODE_OPTIONS refuses --cpu-prof, and would profile every process).
 */
export async function startServerProcess(
  repoPath: string,
): Promise<Child & { port: number; stderr: () => string }> {
  const nodeArgs = process.env.FSTORE_SERVER_NODE_ARGS?.split(" ").filter((a) => a !== "") ?? [];
  const proc = spawn(
    process.execPath,
    [...nodeArgs, join(root, "bin", "run-ts.js"), join(root, "src", "fuzz", "server-process.ts"), repoPath],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const child = track(proc);
  let err = "";
  proc.stderr?.on("data", (d: Buffer) => {
    // The last 64 KB: enough to see a crash's stack.
    err = (err + String(d)).slice(-65_536);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${err}`)), 60_000);
    proc.stdout?.on("data", (d: Buffer) => {
      out += String(d);
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before listening: ${err}`));
    });
  });
  return { ...child, port, stderr: () => err };
}

/** Resident memory of a process, in MB (Linux /proc), or NaN. */
export function rssMb(pid: number | undefined): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
