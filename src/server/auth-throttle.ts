/**
 * Limits failed authentication per peer (client address, without its port):
 * after `maxFailures` failures inside a minute, every call from that address
 * is refused until the minute is over, valid token or not (otherwise a
 * guesser would still learn when a guess is right). Fixed windows per
 * address; the table is bounded, forgetting the oldest windows first. Pure:
 * time is an input.
 */
export interface AuthThrottleOptions {
  maxFailures: number;
  /** Window length; one minute unless a test says otherwise. */
  windowMs?: number;
  /** Most addresses remembered. */
  maxPeers?: number;
}

export interface AuthThrottle {
  /** Milliseconds until `peer` may try again; 0 when it may now. */
  retryAfterMs(peer: string, nowMs: number): number;
  /** Counts one failed attempt of `peer`. */
  recordFailure(peer: string, nowMs: number): void;
  /** Whether any address has failed lately (when none has, a call need not look its own up). */
  hasFailures(): boolean;
}

interface Window {
  startMs: number;
  failures: number;
}

export function createAuthThrottle(options: AuthThrottleOptions): AuthThrottle {
  const windowMs = options.windowMs ?? 60_000;
  const maxPeers = options.maxPeers ?? 10_000;
  // Insertion order is the age of each window: a renewed window is re-inserted at the end.
  const windows = new Map<string, Window>();
  const current = (peer: string, nowMs: number): Window | undefined => {
    const w = windows.get(peer);
    if (w && nowMs - w.startMs >= windowMs) {
      windows.delete(peer);
      return undefined;
    }
    return w;
  };
  return {
    retryAfterMs(peer, nowMs) {
      const w = current(peer, nowMs);
      if (!w || w.failures < options.maxFailures) return 0;
      return Math.max(1, w.startMs + windowMs - nowMs);
    },
    recordFailure(peer, nowMs) {
      const w = current(peer, nowMs);
      if (w) {
        w.failures++;
        return;
      }
      windows.set(peer, { startMs: nowMs, failures: 1 });
      if (windows.size > maxPeers) windows.delete(windows.keys().next().value as string);
    },
    hasFailures() {
      return windows.size > 0;
    },
  };
}

/** The address part of a grpc-js peer string ("ipv4:1.2.3.4:5678", "ipv6:[::1]:5678", "unix:/p"). */
export function peerAddress(peer: string): string {
  const v6 = /^ipv6:\[(.*)\](:\d+)?$/.exec(peer);
  if (v6) return v6[1] as string;
  const v4 = /^(?:ipv4:)?([^:]+):\d+$/.exec(peer);
  if (v4) return v4[1] as string;
  return peer;
}
