/**
 * Structured logs and call observers on a real server: a JSON startup line,
 * one JSON line per call with method, status code and duration, and extra
 * observers composed after the logger seeing the same outcomes, including
 * calls the client cancelled or let expire.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValueType } from "../gen/fstore/v1/value_pb.js";
import { createLogger } from "../src/server/logger.js";
import type { CallObserver } from "../src/server/service-adapter.js";
import { createMemoryRegistry, startTestServer, type TestServer, testConfig } from "./support/server.js";

type Line = Record<string, unknown>;
const lines: Line[] = [];
const seen: { method: string; kind: string; code: number; request: unknown }[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l) as Line);
    done();
  },
});
const recorder: CallObserver = (method, kind, request) => ({
  end(code) {
    seen.push({ method, kind, code, request });
  },
});

let t: TestServer;
const DELAY = 400;

beforeAll(async () => {
  const registry = createMemoryRegistry("logs", {
    entities: [
      { name: "e", joinKeys: ["k"], valueType: ValueType.STRING, description: "", tags: {}, owner: "" },
    ],
    dataSources: [],
    featureViews: [],
    featureServices: [],
    onDemandFeatureViews: [],
  });
  t = await startTestServer({
    config: testConfig(mkdtempSync(join(tmpdir(), "fstore-logs-")), { materialization: { schedule: "off" } }),
    registry,
    logger: createLogger({ level: "info", destination: sink }),
    observers: [recorder],
    handlerDelayMs: DELAY,
  });
});
afterAll(async () => {
  await t?.shutdown();
});

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};
const callLines = (method: string) => lines.filter((l) => l.method === method && l.kind !== undefined);

describe("logs", () => {
  it("starts with a JSON line naming the address, project and online store", () => {
    const start = lines.find((l) => l.msg === "fstore serving");
    expect(start).toMatchObject({
      level: "info",
      service: "fstore",
      address: t.address,
      project: "test_project",
      onlineStore: "sqlite",
      tls: false,
      auth: false,
    });
    expect(typeof start?.time).toBe("string");
  });

  it("logs a successful call at info with its duration", async () => {
    await t.client.listEntities();
    await until(() => callLines("ListEntities").length > 0);
    const [line] = callLines("ListEntities");
    expect(line).toMatchObject({
      level: "info",
      msg: "call",
      method: "ListEntities",
      kind: "unary",
      code: "OK",
    });
    expect(line?.durationMs as number).toBeGreaterThanOrEqual(DELAY - 5);
    expect(seen.find((s) => s.method === "ListEntities")).toMatchObject({ code: 0, kind: "unary" });
  });

  it("logs a failed call at warn with its status and message", async () => {
    await t.client.getFeatureView("ghost").catch(() => undefined);
    await until(() => callLines("GetFeatureView").length > 0);
    expect(callLines("GetFeatureView")[0]).toMatchObject({
      level: "warn",
      code: "NOT_FOUND",
      error: expect.stringContaining('"ghost"'),
    });
    // The observer gets the decoded request too (e.g. for per-service metric labels).
    const s = seen.find((x) => x.method === "GetFeatureView");
    expect(s?.code).toBe(5);
    expect((s?.request as { name: string } | undefined)?.name).toBe("ghost");
  });

  it("records a call whose deadline passed as DEADLINE_EXCEEDED, not as the handler's late OK", async () => {
    await t.client.listFeatureServices({}, { timeoutMs: 100 }).catch(() => undefined);
    await until(() => callLines("ListFeatureServices").length > 0);
    const line = callLines("ListFeatureServices")[0];
    // The client cancels at its own deadline; the server can only tell that from an earlier cancel
    // by the time (within 50 ms of its copy of the deadline). On a loaded machine the request can
    // reach the server so late that the cancel looks early: then CANCELLED is all it can know.
    expect(["DEADLINE_EXCEEDED", "CANCELLED"], JSON.stringify(line)).toContain(line?.code);
    expect([4, 1]).toContain(seen.find((s) => s.method === "ListFeatureServices")?.code);
  });

  it("records a streaming call the client cancelled as CANCELLED", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await (async () => {
      for await (const _ of t.client.materialize({}, { signal: ac.signal })) {
        /* cancelled before the first message */
      }
    })().catch(() => undefined);
    await until(() => callLines("Materialize").length > 0);
    expect(callLines("Materialize")[0]).toMatchObject({ kind: "server_streaming", code: "CANCELLED" });
    expect(seen.find((s) => s.method === "Materialize")?.code).toBe(1);
  });
});
