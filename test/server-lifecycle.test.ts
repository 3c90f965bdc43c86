/**
 * Graceful shutdown for real: `fstore serve` in a child process gets SIGTERM
 * while a call is in flight; the call completes, new calls are refused, and
 * the process exits 0, and an open health Watch does not hold the exit.
 * In-process: health turns NOT_SERVING for watchers, open Watch and
 * reflection streams end at once, and calls that outlive the shutdown
 * timeout are cancelled.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { DuckDBInstance } from "@duckdb/node-api";
import { Client, credentials, Metadata, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeHealthCheckResponse, encodeHealthCheckRequest } from "../clients/typescript/src/health.js";
import { createFstoreClient, FstoreClientError } from "../clients/typescript/src/index.js";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { createExampleRepo, createMemoryRegistry, startTestServer, testConfig } from "./support/server.js";
import { PROJECT_ROOT, type TempRepo } from "./support/temp-repo.js";

interface ServeProcess {
  child: ChildProcess;
  address: Promise<string>;
  lines: Record<string, unknown>[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node bin/fstore.js serve --repo DIR --port 0` and collects its JSON log lines. */
async function waitFor(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 50));
  }
}

function spawnServe(repoPath: string, env: Record<string, string>): ServeProcess {
  return spawnServeArgs(["--repo", repoPath, "--port", "0"], env);
}

function spawnServeArgs(args: string[], env: Record<string, string>): ServeProcess {
  const child = spawn(process.execPath, ["bin/fstore.js", "serve", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const address = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      try {
        const obj = JSON.parse(line) as Record<string, unknown>;
        lines.push(obj);
        if (obj.msg === "fstore serving") resolve(String(obj.address));
      } catch {
        lines.push({ raw: line });
      }
    });
    child.on("exit", () => reject(new Error(`serve exited before serving: ${stderr}`)));
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, address, lines, exit };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("fstore serve, SIGTERM during a call", () => {
  let repo: TempRepo;
  beforeAll(async () => {
    repo = await createExampleRepo();
  });
  afterAll(() => repo?.cleanup());

  it("lets the in-flight call finish, refuses new ones, and exits 0", async () => {
    const serve = spawnServe(repo.path, { FSTORE_TEST_HANDLER_DELAY_MS: "3000", FSTORE_LOG_LEVEL: "info" });
    try {
      const address = await serve.address;
      const client = createFstoreClient({ address, timeoutMs: 20_000 });
      expect(await client.healthCheck()).toBe("SERVING"); // not delayed: health is not a FeatureService RPC

      const started = Date.now();
      const inFlight = client.listFeatureViews();
      await sleep(800);
      serve.child.kill("SIGTERM");
      // Logged just before the server stops listening (same tick).
      for (let i = 0; i < 250 && !serve.lines.some((l) => String(l.msg).startsWith("shutting down")); i++) {
        await sleep(20);
      }

      // A new connection is refused while the first call is still running.
      const late = createFstoreClient({ address, timeoutMs: 5_000 });
      const refused = await late.listEntities().catch((e: unknown) => e);
      late.close();
      expect(refused).toBeInstanceOf(FstoreClientError);
      expect((refused as FstoreClientError).code).toBe(status.UNAVAILABLE);

      const { featureViews } = await inFlight;
      expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
      expect(featureViews.map((v) => v.name)).toEqual(["vehicle_features", "vehicle_hourly_stats"]);
      client.close();

      expect(await serve.exit).toEqual({ code: 0, signal: null });
      const msgs = serve.lines.map((l) => l.msg);
      expect(msgs).toContain("signal received");
      expect(msgs.indexOf("stopped")).toBeGreaterThan(msgs.indexOf("signal received"));
      // The in-flight call was logged as OK, after the signal and before the stop.
      const callLine = serve.lines.findIndex((l) => l.method === "ListFeatureViews");
      expect(serve.lines[callLine]).toMatchObject({ code: "OK", msg: "call" });
      expect(Number(serve.lines[callLine]?.durationMs)).toBeGreaterThanOrEqual(2900);
      expect(callLine).toBeGreaterThan(msgs.indexOf("signal received"));
      expect(callLine).toBeLessThan(msgs.indexOf("stopped"));
    } finally {
      if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
    }
  });

  it("exits promptly on SIGTERM while a health Watch is open", async () => {
    const serve = spawnServe(repo.path, {});
    try {
      const address = await serve.address;
      const raw = new Client(address, credentials.createInsecure());
      const seen: string[] = [];
      const watch = raw.makeServerStreamRequest(
        "/grpc.health.v1.Health/Watch",
        encodeHealthCheckRequest,
        decodeHealthCheckResponse,
        "",
        new Metadata(),
      );
      watch.on("data", (s: string) => seen.push(s));
      watch.on("error", () => {});
      await waitFor(() => seen.length > 0, 10_000);
      const started = Date.now();
      serve.child.kill("SIGTERM");
      expect(await serve.exit).toEqual({ code: 0, signal: null });
      // The 10 s shutdown timeout is not waited for.
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
      raw.close();
    } finally {
      if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
    }
  });

  it("--init calls the repo's ensureExampleData and applies the repository before serving", async () => {
    const fresh = await createExampleRepo({ apply: false });
    fresh.write(
      "_generate_data.ts",
      `import { writeFileSync } from "node:fs";
import { join } from "node:path";
export async function ensureExampleData(repoPath: string) {
  writeFileSync(join(repoPath, "init-called.txt"), repoPath);
  return undefined;
}
`,
    );
    const serve = spawnServeArgs(["--repo", fresh.path, "--port", "0", "--init"], {});
    try {
      const address = await serve.address;
      expect(readFileSync(join(fresh.path, "init-called.txt"), "utf8")).toBe(fresh.path);
      const client = createFstoreClient({ address, timeoutMs: 10_000 });
      expect((await client.listEntities()).map((e) => e.name)).toEqual(["vehicle"]);
      client.close();
      expect(serve.lines.find((l) => l.msg === "repository applied")).toMatchObject({ version: 1 });
    } finally {
      serve.child.kill("SIGTERM");
      expect(await serve.exit).toEqual({ code: 0, signal: null });
      fresh.cleanup();
    }
  });

  it("--init on a fresh copy of the example repository generates, applies and materializes it", async () => {
    // Outside the checkout, with no node_modules: the repository is relocatable.
    const dir = mkdtempSync(join(tmpdir(), "fstore-init-"));
    for (const f of readdirSync(join(PROJECT_ROOT, "feature_repo"))) {
      if (f !== "data") copyFileSync(join(PROJECT_ROOT, "feature_repo", f), join(dir, f));
    }
    const serve = spawnServeArgs(["--repo", dir, "--port", "0", "--init"], {});
    try {
      const address = await serve.address;
      await waitFor(() => serve.lines.some((l) => l.msg === "first start: materialized"));
      // The value served is the latest row of vehicle 1001 in the generated Parquet, read independently.
      const db = await (await DuckDBInstance.create()).connect();
      const reader = await db.runAndReadAll(
        `SELECT num_images FROM read_parquet('${join(dir, "data", "vehicle_features.parquet")}')
         WHERE vehicle_id = 1001 ORDER BY event_timestamp DESC LIMIT 1`,
      );
      const expected = reader.getRows()[0]?.[0];
      const client = createFstoreClient({ address, timeoutMs: 10_000 });
      const res = await client.getOnlineFeatures({
        features: ["vehicle_features:num_images"],
        entities: { vehicle_id: [1001n] },
      });
      client.close();
      expect(res.columns[1]?.statuses).toEqual(["PRESENT"]);
      expect(res.rows[0]?.num_images).toBe(BigInt(expected as number | bigint));
    } finally {
      serve.child.kill("SIGTERM");
      expect(await serve.exit).toEqual({ code: 0, signal: null });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("SIGTERM during the first start's materialization stops it and exits 0", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fstore-init-"));
    for (const f of readdirSync(join(PROJECT_ROOT, "feature_repo"))) {
      if (f !== "data") copyFileSync(join(PROJECT_ROOT, "feature_repo", f), join(dir, f));
    }
    const serve = spawnServeArgs(["--repo", dir, "--port", "0", "--init"], {});
    try {
      await serve.address;
      await waitFor(() => serve.lines.some((l) => l.msg === "first start: materializing up to now"));
      serve.child.kill("SIGTERM");
      expect(await serve.exit).toEqual({ code: 0, signal: null });
      // Stopped, or done just before the signal: never cut off by the stores closing under it.
      const ends = serve.lines
        .map((l) => l.msg)
        .filter((m) => String(m).startsWith("first start: materiali"));
      expect(ends.at(-1)).toMatch(/^first start: materiali(zation stopped by the shutdown|zed)$/);
      expect(serve.lines.some((l) => l.msg === "first start: materialization failed")).toBe(false);
    } finally {
      if (serve.child.exitCode === null) serve.child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exits 1 with a precise message when the port is taken; SIGINT exits 0", async () => {
    const first = spawnServe(repo.path, {});
    try {
      const address = await first.address;
      const port = address.split(":").at(-1) ?? "";
      const second = spawn(
        process.execPath,
        ["bin/fstore.js", "serve", "--repo", repo.path, "--port", port],
        {
          cwd: PROJECT_ROOT,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stderr = "";
      second.stderr?.on("data", (d) => {
        stderr += String(d);
      });
      const code = await new Promise<number | null>((r) => second.on("exit", (c) => r(c)));
      expect(code).toBe(1);
      expect(stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
    } finally {
      first.child.kill("SIGINT"); // Ctrl-C stops as gracefully as SIGTERM
      expect((await first.exit).code).toBe(0);
    }
  });
});

describe("in-process shutdown", () => {
  const registry = () =>
    createMemoryRegistry("life", {
      entities: [
        { name: "e", joinKeys: ["k"], valueType: ValueType.STRING, description: "", tags: {}, owner: "" },
      ],
      dataSources: [],
      featureViews: [],
      featureServices: [],
      onDemandFeatureViews: [],
    });
  const config = () => testConfig(mkdtempSync(join(tmpdir(), "fstore-life-")));

  /** Opens a Watch of `service` and records the statuses it streams and how it ends. */
  function openWatch(raw: Client, service = "fstore.v1.FeatureService") {
    const seen: string[] = [];
    const watch = raw.makeServerStreamRequest(
      "/grpc.health.v1.Health/Watch",
      encodeHealthCheckRequest,
      decodeHealthCheckResponse,
      service,
      new Metadata(),
    );
    const ended = new Promise<number>((resolve) => {
      watch.on("data", (s: string) => seen.push(s));
      watch.on("status", (st: { code: number }) => resolve(st.code));
      watch.on("error", () => {});
    });
    return { seen, ended };
  }

  /** Opens a reflection stream, asks for the service list once, and keeps the stream open. */
  async function openReflection(raw: Client) {
    const stream = raw.makeBidiStreamRequest(
      "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
      (b: Buffer) => b,
      (b: Buffer) => b,
      new Metadata(),
    );
    const ended = new Promise<number>((resolve) => {
      stream.on("status", (st: { code: number }) => resolve(st.code));
      stream.on("error", () => {});
    });
    const answered = new Promise<Buffer>((resolve) => stream.once("data", resolve));
    // ServerReflectionRequest { list_services = 7: "*" }
    stream.write(Buffer.from([0x3a, 0x01, 0x2a]));
    const answer = await answered;
    expect(answer.toString("latin1")).toContain("fstore.v1.FeatureService");
    return { ended };
  }

  it("tells watchers NOT_SERVING, then ends open Watch and reflection streams at once (no timeout wait)", async () => {
    // The default 10 s shutdown timeout: only ending the streams lets the drain finish sooner.
    const t = await startTestServer({ config: config(), registry: registry() });
    const raw = new Client(t.address, credentials.createInsecure());
    const watches = [openWatch(raw), openWatch(raw, "")];
    const reflection = await openReflection(raw);
    while (watches.some((w) => w.seen.length === 0)) await sleep(20);
    expect(watches.map((w) => w.seen)).toEqual([["SERVING"], ["SERVING"]]);
    const started = Date.now();
    await t.shutdown();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(await Promise.all(watches.map((w) => w.ended))).toEqual([status.OK, status.OK]);
    expect(watches.map((w) => w.seen)).toEqual([
      ["SERVING", "NOT_SERVING"],
      ["SERVING", "NOT_SERVING"],
    ]);
    expect(await reflection.ended).toBe(status.UNAVAILABLE);
    raw.close();
  });

  it("cancels calls that outlive the shutdown timeout", async () => {
    const t = await startTestServer({
      config: config(),
      registry: registry(),
      handlerDelayMs: 10_000,
      shutdownTimeoutMs: 300,
    });
    const call = t.client.listEntities().catch((e: unknown) => e);
    await sleep(200);
    const started = Date.now();
    await t.server.shutdown();
    expect(Date.now() - started).toBeLessThan(3_000);
    const err = await call;
    expect(err).toBeInstanceOf(FstoreClientError);
    expect([status.CANCELLED, status.UNAVAILABLE]).toContain((err as FstoreClientError).code);
    t.client.close();
  });
});
