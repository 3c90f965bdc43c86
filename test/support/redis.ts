/**
 * Real redis-server processes for tests: a standalone server on a free
 * loopback port (stoppable and restartable on the same port, to test outages)
 * and a small local Redis Cluster. Never touches the Redis on 6379.
 *
 *   const redis = await startRedis();      // redis.connectionString "127.0.0.1:PORT"
 *   await redis.stop(); await redis.start(); // outage and recovery
 *   const cluster = await startRedisCluster(3);
 *   afterAll(() => redis.close());
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1 (and, with `busOffset`, port + busOffset free too). */
export async function freePort(busOffset = 0): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const addr = srv.address();
        const p = typeof addr === "object" && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port === 6379) continue;
    if (busOffset === 0) return port;
    if (port + busOffset < 65536 && (await isFree(port + busOffset))) return port;
  }
  throw new Error("no free port found");
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createConnection({ host: "127.0.0.1", port });
      sock.once("connect", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
}

/** One redis-server process on a fixed loopback port; `stop()` then `start()` simulates an outage. */
export class RedisServer {
  #proc: ChildProcess | undefined;

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly extraArgs: string[] = [],
  ) {}

  /** Feast-style connection string, "127.0.0.1:PORT". */
  get connectionString(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  async start(): Promise<void> {
    if (this.#proc) return;
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      this.dir,
      ...this.extraArgs,
    ];
    const proc = spawn("redis-server", args, { stdio: "ignore" });
    this.#proc = proc;
    proc.once("exit", () => {
      if (this.#proc === proc) this.#proc = undefined;
    });
    await waitForPort(this.port, 10_000);
  }

  /** Kills the process (SIGKILL: an abrupt outage) and waits for it to exit. */
  async stop(): Promise<void> {
    const proc = this.#proc;
    if (!proc || proc.exitCode !== null) {
      this.#proc = undefined;
      return;
    }
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGKILL");
    await exited;
    this.#proc = undefined;
  }

  /** Runs redis-cli against this server and returns its stdout. */
  cli(...args: string[]): string {
    const res = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(this.port), ...args], {
      encoding: "utf8",
    });
    if (res.status !== 0) throw new Error(`redis-cli ${args.join(" ")} failed: ${res.stderr}`);
    return res.stdout;
  }
}

export interface StartedRedis extends RedisServer {
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

/** Starts a standalone redis-server (no persistence) on a free loopback port. */
export async function startRedis(): Promise<StartedRedis> {
  const dir = mkdtempSync(join(tmpdir(), "fstore-redis-"));
  const server = new RedisServer(await freePort(), dir);
  await server.start();
  return Object.assign(server, {
    close: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

export interface RedisCluster {
  nodes: RedisServer[];
  /** Feast-style connection string listing every node: "127.0.0.1:P1,127.0.0.1:P2,...". */
  connectionString: string;
  close(): Promise<void>;
}

/** Starts `n` (>= 3) cluster-enabled nodes, creates a cluster with no replicas, waits until it is ok. */
export async function startRedisCluster(n = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), "fstore-redis-cluster-"));
  const nodes: RedisServer[] = [];
  const close = async () => {
    for (const node of nodes) await node.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < n; i++) {
      // The cluster bus listens on port + 10000, so that one must be free too.
      const port = await freePort(10000);
      const node = new RedisServer(port, dir, [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--cluster-node-timeout",
        "2000",
      ]);
      nodes.push(node);
      await node.start();
    }
    const addrs = nodes.map((node) => node.connectionString);
    const res = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...addrs, "--cluster-replicas", "0", "--cluster-yes"],
      {
        encoding: "utf8",
      },
    );
    if (res.status !== 0) throw new Error(`redis-cli --cluster create failed: ${res.stdout}${res.stderr}`);
    const until = Date.now() + 20_000;
    while (!nodes.every((node) => node.cli("cluster", "info").includes("cluster_state:ok"))) {
      if (Date.now() > until) throw new Error("redis cluster did not reach cluster_state:ok");
      await new Promise((r) => setTimeout(r, 100));
    }
    return { nodes, connectionString: addrs.join(","), close };
  } catch (err) {
    await close();
    throw err;
  }
}
