// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are ${VAR} references under test.
import { describe, expect, it } from "vitest";
import { MissingVariable, substituteVariables } from "./env-substitution.js";

describe("substituteVariables", () => {
  const env = { HOST: "redis.local", PORT: "7000", EMPTY: "", FLAG: "true" };

  it("replaces references inside text", () => {
    expect(substituteVariables("${HOST}:${PORT}", env)).toBe("redis.local:7000");
    expect(substituteVariables("x-${MISSING:-fallback}-y", env)).toBe("x-fallback-y");
  });

  it("re-reads a whole reference as a YAML scalar", () => {
    expect(substituteVariables("${PORT}", env)).toBe(7000);
    expect(substituteVariables("${FLAG}", env)).toBe(true);
    expect(substituteVariables("${MISSING:-null}", env)).toBe(null);
    expect(substituteVariables("${MISSING:-}", env)).toBe("");
    expect(substituteVariables("${HOST}", env)).toBe("redis.local");
  });

  it("treats an empty value as unset for :- like the shell, but keeps it for plain ${VAR}", () => {
    expect(substituteVariables("${EMPTY:-d}", env)).toBe("d");
    expect(substituteVariables("${EMPTY}", env)).toBe("");
  });

  it("throws MissingVariable naming an unset variable without default", () => {
    try {
      substituteVariables("a ${NOPE} b", env);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(MissingVariable);
      expect((err as MissingVariable).variable).toBe("NOPE");
    }
  });

  it("leaves text without references alone", () => {
    expect(substituteVariables("$HOME and {x}", env)).toBe("$HOME and {x}");
  });
});
