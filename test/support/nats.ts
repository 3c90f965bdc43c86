/**
 * A real `nats-server -js` for tests: a free loopback port, a temporary
 * JetStream store folder, stopped by its pid. Never touches another server.
 *
 *   const nats = await startNats();   // nats.url "nats://127.0.0.1:PORT"
 *   afterAll(() => nats.close());
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./redis.js";

export interface StartedNats {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startNats(): Promise<StartedNats> {
  const dir = mkdtempSync(join(tmpdir(), "fstore-nats-"));
  const port = await freePort();
  const proc: ChildProcess = spawn(
    "nats-server",
    ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", dir],
    {
      stdio: "ignore",
    },
  );
  const until = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: "127.0.0.1", port });
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > until || proc.exitCode !== null) {
      proc.kill("SIGKILL");
      throw new Error(`nats-server did not listen on ${port}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    close: async () => {
      if (proc.exitCode === null) {
        const exited = new Promise<void>((r) => proc.once("exit", () => r()));
        proc.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
