/**
 * A real browser for tests: Debian's chromium (/usr/bin/chromium, installed by
 * .ci/run) driven by playwright-core, headless, with a fresh profile folder
 * and everything that would reach the network off. Pages record their console
 * errors, uncaught exceptions and failed requests, so a test can require none.
 *
 *   const browser = await launchBrowser();
 *   const tab = await browser.newTab();
 *   await tab.page.goto(url); expect(tab.problems).toEqual([]);
 *   await browser.close();
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { PROJECT_ROOT } from "./temp-repo.js";

export const CHROMIUM_PATH = process.env.FSTORE_TEST_CHROMIUM ?? "/usr/bin/chromium";

/** Where screenshots go (gitignored): a reviewer looks at them after a run. */
export const SCREENSHOT_DIR = join(PROJECT_ROOT, "test-artifacts", "console");

export interface Tab {
  page: Page;
  /** Console errors, page errors and failed requests seen so far. */
  problems: string[];
}

export interface TestBrowser {
  /** A new tab for a new visitor: the profile's cookies are cleared first. */
  newTab(): Promise<Tab>;
  screenshot(tab: Tab, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "fstore-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  return {
    async newTab() {
      // A persistent context is one cookie jar: a new tab after clearing cookies is a new visitor.
      await context.clearCookies();
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") problems.push(`console error: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      page.on("requestfailed", (r) =>
        problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`),
      );
      return { page, problems };
    },
    async screenshot(tab, name) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await tab.page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
