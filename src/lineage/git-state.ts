/**
 * The git commit a repository was applied from: HEAD and whether the
 * checkout had uncommitted changes. Empty when the folder is not a git
 * checkout or git is not installed (versions are recorded either way).
 */
import { execFile } from "node:child_process";

export interface GitState {
  commit: string;
  dirty: boolean;
}

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("git", ["-C", cwd, ...args], { timeout: 5000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });
}

export async function gitState(repoPath: string): Promise<GitState> {
  const head = await git(repoPath, ["rev-parse", "--verify", "HEAD"]);
  if (head === undefined) return { commit: "", dirty: false };
  // Only the repository folder counts: changes elsewhere in a monorepo do not make it dirty.
  const status = await git(repoPath, ["status", "--porcelain", "--", "."]);
  return { commit: head.trim(), dirty: (status ?? "").trim() !== "" };
}
