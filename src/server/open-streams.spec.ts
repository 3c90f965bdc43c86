import type { ServerInterceptingCallInterface, ServerMethodDefinition, StatusObject } from "@grpc/grpc-js";
import { status as Status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { trackOpenStreams } from "./open-streams.js";

/** The grpc-js call an interceptor receives, recording the statuses sent through it. */
function baseCall(): ServerInterceptingCallInterface & { statuses: StatusObject[] } {
  const statuses: StatusObject[] = [];
  return {
    statuses,
    start() {},
    sendMetadata() {},
    sendMessage(_message: unknown, callback: () => void) {
      callback();
    },
    sendStatus(status: StatusObject) {
      statuses.push(status);
    },
    startRead() {},
    getPeer: () => "peer",
    getDeadline: () => Number.POSITIVE_INFINITY,
    getHost: () => "host",
  } as unknown as ServerInterceptingCallInterface & { statuses: StatusObject[] };
}

const method = (path: string) => ({ path }) as ServerMethodDefinition<unknown, unknown>;
const listener = { onReceiveMetadata() {}, onReceiveMessage() {}, onReceiveHalfClose() {}, onCancel() {} };

describe("trackOpenStreams", () => {
  it("passes calls other than open-ended streams through as they are (no wrapper per call)", () => {
    const { interceptor, endAll } = trackOpenStreams();
    const call = baseCall();
    expect(interceptor(method("/fstore.v1.FeatureService/GetOnlineFeatures"), call)).toBe(call);
    expect(interceptor(method("/grpc.health.v1.Health/Check"), call)).toBe(call);
    expect(endAll()).toBe(0);
    expect(call.statuses).toEqual([]);
  });

  it("ends open health Watch streams with OK and reflection streams with UNAVAILABLE, once", () => {
    const { interceptor, endAll } = trackOpenStreams();
    const watch = baseCall();
    const reflection = baseCall();
    interceptor(method("/grpc.health.v1.Health/Watch"), watch).start(listener);
    interceptor(method("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"), reflection).start(
      listener,
    );
    expect(endAll()).toBe(2);
    expect(watch.statuses.map((s) => s.code)).toEqual([Status.OK]);
    expect(reflection.statuses.map((s) => s.code)).toEqual([Status.UNAVAILABLE]);
    expect(endAll()).toBe(0);
  });

  it("forgets a stream that ended on its own", () => {
    const { interceptor, endAll } = trackOpenStreams();
    const call = baseCall();
    const tracked = interceptor(method("/grpc.health.v1.Health/Watch"), call);
    tracked.start(listener);
    tracked.sendStatus({ code: Status.OK, details: "", metadata: null });
    expect(endAll()).toBe(0);
    expect(call.statuses).toHaveLength(1);
  });
});
