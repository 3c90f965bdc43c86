import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SERVING_NODE_FLAGS } from "./node-flags.js";

describe("SERVING_NODE_FLAGS", () => {
  it("are what `npm start` passes to node before the fstore command", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "../../package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toContain(`node ${SERVING_NODE_FLAGS.join(" ")} bin/fstore.js serve `);
  });

  it("are accepted by this node (an unknown flag exits 9)", () => {
    const r = spawnSync(process.execPath, [...SERVING_NODE_FLAGS, "-e", "process.exit(0)"], {
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect(r.status).toBe(0);
  });
});
