/**
 * Runs the load generator (`loadgen.py`) without blocking this process: the
 * probe keeps reading its server's output meanwhile (a blocked read would fill
 * the pipe and stall a server that prints GC traces), and the floor tool's
 * server runs in this very process. Resolves with the generator's JSON result.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const LOADGEN = join(dirname(fileURLToPath(import.meta.url)), "loadgen.py");

export function runLoadgen(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn("/usr/bin/python3", [LOADGEN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(err));
      else resolve(JSON.parse(out.trim().split("\n").at(-1) as string));
    });
  });
}
