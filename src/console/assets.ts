/**
 * The console's static files: its stylesheet and script (plain files beside
 * this module, shipped in the package as they are: no build step) and
 * Chart.js's prebuilt UMD bundle, read from the installed `chart.js` package,
 * so the console works offline and never loads anything from a CDN.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface ConsoleAsset {
  type: string;
  body: Buffer;
}

const ASSETS_DIR = join(import.meta.dirname, "assets");

function chartJsBundle(): string {
  // chart.js's exports map has no entry for its UMD file: find the package through its main entry.
  const main = createRequire(import.meta.url).resolve("chart.js");
  return join(dirname(main), "chart.umd.min.js");
}

const FILES: Record<string, { type: string; path: () => string }> = {
  "console.css": { type: "text/css; charset=utf-8", path: () => join(ASSETS_DIR, "console.css") },
  "console.js": { type: "text/javascript; charset=utf-8", path: () => join(ASSETS_DIR, "console.js") },
  "chart.umd.min.js": { type: "text/javascript; charset=utf-8", path: chartJsBundle },
};

const cache = new Map<string, ConsoleAsset>();

/** The asset named `name`, or undefined when there is none. */
export function consoleAsset(name: string): ConsoleAsset | undefined {
  const file = FILES[name];
  if (!file) return undefined;
  let asset = cache.get(name);
  if (!asset) {
    asset = { type: file.type, body: readFileSync(file.path()) };
    cache.set(name, asset);
  }
  return asset;
}
