/**
 * Reaching a running fstore server from the command line: the options every
 * command with `--server` shares (`--tls`, `--ca`, `--token`), the channel
 * credentials and call metadata they mean, and unary FeatureService calls
 * whose gRPC errors come back as FstoreErrors with the same code.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import {
  type ChannelCredentials,
  type Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import type { Command } from "commander";
import { FeatureService } from "../../gen/fstore/v1/feature_service_pb.js";
import { Code, FstoreError, invalidArgument } from "../errors/index.js";
import { grpcServiceDefinition } from "../server/service-adapter.js";

/** How to reach a server: what `addServerOptions` parses. */
export interface ServerConnectionOptions {
  /** "host:port"; the command runs in-process when unset. */
  server?: string;
  /** TLS, trusting the system's root certificates (or `ca`). */
  tls?: boolean;
  /** A PEM root certificate to trust (a self-signed server certificate); implies TLS. */
  ca?: string;
  /** Bearer token for a server with `server.auth`; default $FSTORE_TOKEN. */
  token?: string;
}

/** Adds `--server`, `--tls`, `--ca` and `--token` to `command`. */
export function addServerOptions(command: Command, serverHelp: string): Command {
  return command
    .option("--server <host:port>", serverHelp)
    .option("--tls", "connect to --server with TLS, trusting the system's root certificates")
    .option("--ca <file>", "PEM root certificate to trust for --server (implies --tls)")
    .option("--token <token>", "bearer token for --server when it requires auth (default: $FSTORE_TOKEN)");
}

/** Channel credentials for the options: plaintext unless --tls or --ca. An unreadable --ca is INVALID_ARGUMENT. */
export function channelCredentialsOf(o: ServerConnectionOptions): ChannelCredentials {
  if (o.ca !== undefined) {
    let root: Buffer;
    try {
      root = readFileSync(o.ca);
    } catch (err) {
      throw invalidArgument(`--ca: cannot read "${o.ca}": ${(err as Error).message}`, err);
    }
    return credentials.createSsl(root);
  }
  return o.tls ? credentials.createSsl() : credentials.createInsecure();
}

/** Call metadata: `authorization: Bearer <token>` when a token is given (option, else $FSTORE_TOKEN). */
export function callMetadataOf(o: ServerConnectionOptions): Metadata {
  const metadata = new Metadata();
  const token = o.token ?? process.env.FSTORE_TOKEN;
  if (token) metadata.set("authorization", `Bearer ${token}`);
  return metadata;
}

/**
 * grpc-js sends an IP address target as the TLS server name, which Node
 * deprecates (DEP0123) with a warning on stderr; the certificate is still
 * checked against the address (an IP subjectAltName), so the warning only
 * adds noise to a command's output. Drops that one warning.
 */
let quieted = false;
function quietIpServerNameWarning(): void {
  if (quieted) return;
  quieted = true;
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((...args: unknown[]) => {
    const [, type, code] = args;
    const options = typeof type === "object" && type !== null ? (type as { code?: string }) : undefined;
    if (code === "DEP0123" || options?.code === "DEP0123") return;
    emit(...args);
  }) as typeof process.emitWarning;
}

/** A generic grpc-js client of FeatureService at `o.server`; close it when done. */
export function featureServiceClient(o: ServerConnectionOptions & { server: string }): Client {
  const Client = makeGenericClientConstructor(grpcServiceDefinition(FeatureService), "FeatureService");
  const secure = o.tls === true || o.ca !== undefined;
  if (secure && isIP(o.server.replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1")) !== 0) {
    quietIpServerNameWarning();
  }
  return new Client(o.server, channelCredentialsOf(o), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
  });
}

const fstoreCodeOf: Record<number, Code> = {
  1: Code.Cancelled,
  3: Code.InvalidArgument,
  4: Code.DeadlineExceeded,
  5: Code.NotFound,
  6: Code.AlreadyExists,
  7: Code.PermissionDenied,
  8: Code.ResourceExhausted,
  9: Code.FailedPrecondition,
  12: Code.Unimplemented,
  13: Code.Internal,
  14: Code.Unavailable,
  16: Code.Unauthenticated,
};

/**
 * A gRPC error as an FstoreError of the same code (unknown codes: UNAVAILABLE),
 * its message prefixed with `address` if given. A connection that could not be
 * made says what to check (grpc-js's empty "Resolution note:" is dropped).
 */
export function fstoreErrorOf(err: Partial<ServiceError>, address?: string): FstoreError {
  const code = typeof err.code === "number" ? (fstoreCodeOf[err.code] ?? Code.Unavailable) : Code.Unavailable;
  let message = (err.details || err.message || "").replace(/\s*Resolution note:\s*$/, "");
  if (code === Code.Unavailable && /No connection established/.test(message)) {
    message += " (is an fstore server listening at --server, and do --tls/--ca match its TLS setting?)";
  }
  return new FstoreError(code, address ? `${address}: ${message}` : message, { cause: err });
}

type UnaryCall = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: Date },
  callback: (err: ServiceError | null, res: unknown) => void,
) => void;

/**
 * Unary FeatureService calls to the server of `o`, on one channel: `call`
 * for each, then `close`.
 */
export function unaryCaller(o: ServerConnectionOptions & { server: string }, timeoutMs = 600_000) {
  const client = featureServiceClient(o);
  const metadata = callMetadataOf(o);
  return {
    call<O extends DescMessage>(method: string, request: unknown, _output: O): Promise<MessageShape<O>> {
      const fn = (client as unknown as Record<string, UnaryCall>)[method];
      if (typeof fn !== "function") return Promise.reject(new Error(`no method ${method}`));
      return new Promise<MessageShape<O>>((resolve, reject) => {
        fn.call(
          client,
          request,
          metadata,
          { deadline: new Date(Date.now() + timeoutMs) },
          (err: ServiceError | null, res: unknown) => {
            if (err) reject(fstoreErrorOf(err, o.server));
            else resolve(res as MessageShape<O>);
          },
        );
      });
    },
    close(): void {
      client.close();
    },
  };
}

/** One unary FeatureService call to the server of `o`. */
export async function callUnary<O extends DescMessage>(
  o: ServerConnectionOptions & { server: string },
  method: string,
  request: unknown,
  output: O,
  timeoutMs?: number,
): Promise<MessageShape<O>> {
  const caller = unaryCaller(o, timeoutMs);
  try {
    return await caller.call(method, request, output);
  } finally {
    caller.close();
  }
}
