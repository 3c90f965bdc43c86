/**
 * A test-only wrapper that delays every handler before it runs, so tests of
 * graceful shutdown have a call that is reliably in flight when the signal
 * arrives. Enabled only by `StartServerOptions.handlerDelayMs` (the CLI reads
 * FSTORE_TEST_HANDLER_DELAY_MS); the delay is cut short when the call is cancelled.
 */
import type { DescService } from "@bufbuild/protobuf";
import type { CallContext, ServiceImpl } from "./service-adapter.js";

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** `impl` with each handler starting `ms` milliseconds late. */
export function withHandlerDelay<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
  ms: number,
): ServiceImpl<S> {
  const handlers = impl as Record<string, (req: unknown, call: CallContext) => unknown>;
  const out: Record<string, unknown> = {};
  for (const method of service.methods) {
    const handler = handlers[method.localName];
    if (!handler) continue;
    out[method.localName] =
      method.methodKind === "server_streaming"
        ? async function* (req: unknown, call: CallContext) {
            await sleep(ms, call.signal);
            yield* handler(req, call) as AsyncIterable<unknown>;
          }
        : async (req: unknown, call: CallContext) => {
            await sleep(ms, call.signal);
            return handler(req, call);
          };
  }
  return out as ServiceImpl<S>;
}
