/**
 * `npm start` under a supervisor: the supervisor signals the process it
 * started (npm), and the server must get the graceful shutdown: npm forwards
 * SIGTERM to its script's process, which is the server itself (the script
 * execs it), so npm exits 0 and the port is free.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startServerProcess, waitFor } from "./support/cli-process.js";
import { PROJECT_ROOT } from "./support/temp-repo.js";

const dataDir = mkdtempSync(join(tmpdir(), "fstore-npm-start-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Resolves when `port` can be listened on (nothing holds it), false if still taken. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

describe("npm start", () => {
  it("exits 0 on SIGTERM and frees the port: the server is the process that gets the signal", async () => {
    const port = await freePort();
    const npm = startServerProcess("npm", ["start", "--silent"], {
      cwd: PROJECT_ROOT,
      // The example's data, registry and online store in a temp folder, not in the checkout.
      env: {
        ...process.env,
        FSTORE_DATA_DIR: dataDir,
        FSTORE_PORT: String(port),
        npm_config_offline: "true",
      },
    });
    expect(await npm.address).toBe(`127.0.0.1:${port}`);
    // The last step of `serve --init`, after the signal handlers are installed.
    await waitFor(() => npm.lines.some((l) => l.msg === "first start: materialized"));
    expect(await portIsFree(port)).toBe(false);
    npm.child.kill("SIGTERM");
    expect(await npm.exit).toEqual({ code: 0, signal: null });
    expect(npm.lines.some((l) => l.msg === "stopped")).toBe(true);
    expect(await portIsFree(port)).toBe(true);
  });
});
