/**
 * PostgreSQL registry URLs (Feast's `registry_type: sql` with a
 * `postgresql://` path): which forms are accepted, and how one is shown in
 * logs and error messages (never with its password).
 */

/** Schemes accepted for a PostgreSQL registry; Feast's SQLAlchemy "+driver" suffixes included. */
const POSTGRES_SCHEME = /^postgres(?:ql)?(?:\+[a-z0-9_]+)?:\/\//i;

/** Whether `path` names a PostgreSQL database rather than a file. */
export function isPostgresUrl(path: string): boolean {
  return POSTGRES_SCHEME.test(path);
}

/**
 * The connection string the `pg` driver accepts (the SQLAlchemy "+driver"
 * suffix removed), or an error message saying what is wrong.
 */
export function postgresConnectionString(
  url: string,
): { ok: true; value: string } | { ok: false; error: string } {
  if (!isPostgresUrl(url)) {
    return { ok: false, error: `expected a postgresql:// URL, got "${redactedUrl(url).slice(0, 80)}"` };
  }
  const value = url.replace(/^postgres(?:ql)?(?:\+[a-z0-9_]+)?:\/\//i, "postgresql://");
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return { ok: false, error: `not a valid URL: "${redactedUrl(url).slice(0, 80)}"` };
  }
  if (parsed.hostname === "" && !parsed.searchParams.has("host")) {
    return {
      ok: false,
      error: `no host in "${redactedUrl(url).slice(0, 80)}" (postgresql://user@host:5432/db)`,
    };
  }
  if (parsed.pathname === "" || parsed.pathname === "/") {
    return {
      ok: false,
      error: `no database name in "${redactedUrl(url).slice(0, 80)}" (postgresql://user@host:5432/db)`,
    };
  }
  return { ok: true, value };
}

/** `url` with any password replaced by "***", for logs and messages. */
export function redactedUrl(url: string): string {
  return url
    .replace(/^([a-z0-9+]+:\/\/[^:/@]*):[^@/]*@/i, "$1:***@")
    .replace(/([?&]password=)[^&]*/gi, "$1***");
}
