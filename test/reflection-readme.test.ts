/**
 * Every `buf curl` example in README.md, run against a real server on a copy
 * of the example repository: the JSON bodies must match the schema served by
 * reflection, and the server must accept them (an RPC whose implementation
 * has not landed yet may answer UNIMPLEMENTED).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bufCurl } from "./support/grpc.js";
import { createExampleRepo, startTestServer, type TestServer } from "./support/server.js";
import type { TempRepo } from "./support/temp-repo.js";

interface Example {
  path: string;
  body: string;
}

/** The README's `npx buf curl ... -d '<json>' http://127.0.0.1:6566/<path>` commands. */
function readmeExamples(): Example[] {
  const now = new Date();
  const iso = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  // The examples splice shell values into the single-quoted JSON ('"$NOW"'); substitute what the shell would.
  const text = readFileSync(new URL("../README.md", import.meta.url), "utf8")
    .replaceAll(`'"$NOW"'`, iso(now))
    .replaceAll(`'"$TODAY"'`, iso(today))
    .replaceAll(`'"$(date +%s)"'`, String(Math.floor(now.getTime() / 1000)));
  const re =
    /npx buf curl --protocol grpc --http2-prior-knowledge -d '([^']*)'\s*\\?\s*http:\/\/127\.0\.0\.1:6566\/(\S+)/g;
  return [...text.matchAll(re)].map((m) => ({ body: m[1] ?? "", path: m[2] ?? "" }));
}

const examples = readmeExamples();
let repo: TempRepo;
let t: TestServer;

beforeAll(async () => {
  repo = await createExampleRepo();
  t = await startTestServer({ repoPath: repo.path });
});
afterAll(async () => {
  await t?.shutdown();
  repo?.cleanup();
});

it("has an example for every RPC of the service and for health", () => {
  const rpcs = [
    ...readFileSync(new URL("../proto/fstore/v1/feature_service.proto", import.meta.url), "utf8").matchAll(
      /^\s*rpc\s+(\w+)\s*\(/gm,
    ),
  ].map((m) => `fstore.v1.FeatureService/${m[1]}`);
  const covered = new Set(examples.map((e) => e.path));
  for (const rpc of [...rpcs, "grpc.health.v1.Health/Check"]) expect(covered, rpc).toContain(rpc);
});

it.each(examples.map((e) => [e.path, e] as const))("%s example is accepted", async (_path, example) => {
  expect(() => JSON.parse(example.body)).not.toThrow();
  const res = await bufCurl(t.address, example.path, ["-d", example.body]);
  if (res.exitCode === 0) return;
  // A server-side status is printed as JSON; anything else is a client-side (schema) failure.
  let status: { code?: string; message?: string } = {};
  try {
    status = JSON.parse(res.stderr || res.stdout);
  } catch {
    throw new Error(`buf curl failed before calling: ${res.stderr}`);
  }
  expect(status.code, `${example.path}: ${status.message}`).toBe("unimplemented");
});
