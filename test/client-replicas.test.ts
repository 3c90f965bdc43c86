import { describe, expect, it } from "vitest";
import { channelTarget, IDEMPOTENT_METHODS, serviceConfig } from "../clients/typescript/src/replicas.js";

describe("replica channel", () => {
  it("lists several IP addresses in one target, keeps one address as is", () => {
    expect(channelTarget(["127.0.0.2:6566", "127.0.0.3:6566"])).toBe("ipv4:127.0.0.2:6566,127.0.0.3:6566");
    expect(channelTarget(["[::1]:1", "[::2]:1"])).toBe("ipv6:[::1]:1,[::2]:1");
    expect(channelTarget(["fstore.internal:6566"])).toBe("fstore.internal:6566");
    expect(() => channelTarget(["a.example:1", "b.example:1"])).toThrow(
      /one DNS name that resolves to every replica/,
    );
    expect(() => channelTarget([])).toThrow(/no server address/);
  });

  it("balances round robin and retries only the read-only calls, only on UNAVAILABLE", () => {
    const config = JSON.parse(serviceConfig());
    expect(config.loadBalancingConfig).toEqual([{ round_robin: {} }]);
    const [methods] = config.methodConfig;
    expect(methods.name.map((n: { method: string }) => n.method)).toEqual([...IDEMPOTENT_METHODS]);
    expect(methods.name.map((n: { method: string }) => n.method)).not.toContain("Push");
    expect(methods.retryPolicy).toEqual({
      maxAttempts: 4,
      initialBackoff: "0.050s",
      maxBackoff: "1.000s",
      backoffMultiplier: 2,
      retryableStatusCodes: ["UNAVAILABLE"],
    });
    expect(JSON.parse(serviceConfig(false)).methodConfig).toEqual([]);
  });
});
