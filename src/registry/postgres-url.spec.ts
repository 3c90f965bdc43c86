import { describe, expect, it } from "vitest";
import { isPostgresUrl, postgresConnectionString, redactedUrl } from "./postgres-url.js";

describe("PostgreSQL registry URLs", () => {
  it("accepts Feast's forms, SQLAlchemy driver suffix included", () => {
    expect(isPostgresUrl("postgresql://u@h/db")).toBe(true);
    expect(isPostgresUrl("postgres://u@h/db")).toBe(true);
    expect(isPostgresUrl("postgresql+psycopg://u:p@h:5432/db")).toBe(true);
    expect(isPostgresUrl("data/registry.db")).toBe(false);
    expect(isPostgresUrl("sqlite:///r.db")).toBe(false);
    expect(postgresConnectionString("postgresql+psycopg2://u:p@h:5433/db")).toEqual({
      ok: true,
      value: "postgresql://u:p@h:5433/db",
    });
  });

  it("rejects a URL without host or database, without showing its password", () => {
    const noDb = postgresConnectionString("postgresql://u:secret@h:5432");
    expect(noDb).toMatchObject({ ok: false });
    expect(JSON.stringify(noDb)).toContain("no database name");
    expect(JSON.stringify(noDb)).not.toContain("secret");
    expect(postgresConnectionString("mysql://u@h/db")).toMatchObject({ ok: false });
  });

  it("redacts passwords in the authority and in query parameters", () => {
    expect(redactedUrl("postgresql://u:s3cr%40t@h:5432/db")).toBe("postgresql://u:***@h:5432/db");
    expect(redactedUrl("postgresql://h/db?user=u&password=x&sslmode=require")).toBe(
      "postgresql://h/db?user=u&password=***&sslmode=require",
    );
    expect(redactedUrl("postgresql://u@h/db")).toBe("postgresql://u@h/db");
  });
});
