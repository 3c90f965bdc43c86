import { describe, expect, it } from "vitest";
import { shown, truncated } from "./shown.js";

describe("bounded echoes", () => {
  it("quotes short text whole, with control and bidirectional characters escaped", () => {
    expect(shown("abc")).toBe('"abc"');
    expect(shown("a\nb\u202ec")).toBe('"a\\nb\\u202ec"');
  });
  it("shows long text as its start and its length", () => {
    expect(shown("x".repeat(1000), 4)).toBe('"xxxx"… (1000 characters)');
  });
  it("bounds messages built elsewhere: long words become start + length, then the whole is cut", () => {
    const name = "n".repeat(20 * 1024 * 1024);
    const m = truncated(`feature service "${name}" not found`);
    expect(m).toBe(`feature service "${"n".repeat(64)}…" (${name.length} characters) not found`);
    const many = truncated(Array(500).fill("word").join(" "), 100);
    expect(many.length).toBeLessThan(160);
    expect(many).toMatch(/… \(message of 2499 characters cut\)$/);
    expect(truncated("short message")).toBe("short message");
  });
});
