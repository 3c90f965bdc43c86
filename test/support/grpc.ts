/**
 * gRPC helpers for tests: `buf curl` (from node_modules) as an independent
 * client, so reflection and JSON calls are checked by a tool that shares no
 * code with the server.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");
/** The buf binary installed by @bufbuild/buf. */
export const bufBin = join(root, "node_modules", ".bin", "buf");

export interface BufCurlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `buf curl --protocol grpc --http2-prior-knowledge ARGS... http://ADDRESS/PATH`.
 * `path` is "" for listings, else "pkg.Service/Method".
 */
export function bufCurl(address: string, path: string, args: string[] = []): Promise<BufCurlResult> {
  const url = `http://${address}/${path}`;
  return new Promise((resolve) => {
    execFile(
      bufBin,
      ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--timeout", "20s", ...args, url],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
        resolve({ exitCode: code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** `buf curl` with a JSON request body; resolves the parsed JSON response (or error) and exit code. */
export async function bufCurlJson(
  address: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ exitCode: number; json: unknown; stderr: string }> {
  const args = ["-d", JSON.stringify(body)];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}: ${v}`);
  const res = await bufCurl(address, path, args);
  const text = res.exitCode === 0 ? res.stdout : res.stderr || res.stdout;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { exitCode: res.exitCode, json, stderr: res.stderr };
}
