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
    expect(pkg.scripts.start).toBe(
      `exec node ${SERVING_NODE_FLAGS.join(" ")} bin/fstore.js serve --repo feature_repo --init`,
    );
  });

  it("are accepted by this node", () => {
    const r = spawnSync(process.execPath, [...SERVING_NODE_FLAGS, "-e", "process.exit(0)"], {
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
