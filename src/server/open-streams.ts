/**
 * Open-ended streams: a grpc.health.v1 Watch or a reflection stream stays
 * open as long as its client likes, so a graceful shutdown that waits for
 * every call would wait for them until its timeout. A server interceptor
 * keeps track of them, and `endAll` ends them at the start of the drain
 * (a Watch with OK, after its NOT_SERVING; reflection with UNAVAILABLE),
 * so the drain waits only for calls that are doing work.
 */
import {
  Metadata,
  ResponderBuilder,
  ServerInterceptingCall,
  type ServerInterceptor,
  ServerListenerBuilder,
  status as Status,
} from "@grpc/grpc-js";

/** Method path prefixes of the open-ended streams, with the status that ends them at shutdown. */
const openEnded: readonly { prefix: string; code: Status }[] = [
  { prefix: "/grpc.health.v1.Health/Watch", code: Status.OK },
  { prefix: "/grpc.reflection.", code: Status.UNAVAILABLE },
];

export interface OpenStreams {
  /** Tracks the open-ended calls; install it on the server. */
  interceptor: ServerInterceptor;
  /** Ends every open-ended call still open; returns how many. */
  endAll(): number;
}

export function trackOpenStreams(): OpenStreams {
  const open = new Map<ServerInterceptingCall, Status>();
  const interceptor: ServerInterceptor = (method, call) => {
    const kind = openEnded.find((o) => method.path.startsWith(o.prefix));
    // Any other call passes through as it is: grpc-js only uses the call interface of what an
    // interceptor returns, and a wrapper per call (with its responder, listener and closures)
    // would cost every GetOnlineFeatures call for nothing.
    if (!kind) return call as ServerInterceptingCall;
    let tracked: ServerInterceptingCall | undefined;
    const forget = () => {
      if (tracked) open.delete(tracked);
    };
    const listener = new ServerListenerBuilder().withOnCancel(forget).build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        forget();
        next(status);
      })
      .build();
    tracked = new ServerInterceptingCall(call, responder);
    open.set(tracked, kind.code);
    return tracked;
  };
  return {
    interceptor,
    endAll() {
      const calls = [...open];
      open.clear();
      for (const [call, code] of calls) {
        call.sendStatus({ code, details: "the server is shutting down", metadata: new Metadata() });
      }
      return calls.length;
    },
  };
}
