/**
 * `fstore validate`: checks that online values equal the offline values at
 * the same event time, prints a table (or JSON with --json), and exits 1 when
 * the check fails, so a batch job or CI can gate on it; 2 on usage errors and
 * errors (unknown view, bad option, store down). Runs in-process by default,
 * or against a running server with --server.
 */
import { resolve } from "node:path";
import { create, toJson } from "@bufbuild/protobuf";
import { type Command, InvalidArgumentError } from "commander";
import {
  SampleFrom,
  type ValidateConsistencyRequest,
  ValidateConsistencyRequestSchema,
  type ValidateConsistencyResponse,
  ValidateConsistencyResponseSchema,
} from "../../../gen/fstore/v1/feature_service_pb.js";
import { loadRepoConfig } from "../../config/index.js";
import {
  formatConsistencyReport,
  inputFromRequest,
  NOTHING_COMPARED,
  reportToProto,
  resolveValidateOptions,
  validateConsistency,
} from "../../consistency/index.js";
import { FstoreError, invalidArgument } from "../../errors/index.js";
import { openDuckDb } from "../../offline/index.js";
import { createOnlineStore } from "../../online/index.js";
import { openRegistry } from "../../registry/index.js";
import { addServerOptions, callUnary, type ServerConnectionOptions } from "../server-connection.js";

export interface ValidateCommandOptions extends ServerConnectionOptions {
  repo: string;
  sample?: number;
  sampleFrom: "online" | "offline";
  views?: string[];
  features?: string[];
  featureService?: string[];
  maxMismatchRate?: number;
  tolerance?: number;
  maxExamples?: number;
  json?: boolean;
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError("expected a whole number");
  return Number(value);
}

function number(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || Number.isNaN(n)) throw new InvalidArgumentError("expected a number");
  return n;
}

function viewList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== ""),
  ];
}

/** The request the options describe; bad knobs are rejected here with the same rules as the server. */
export function validateRequestOf(options: ValidateCommandOptions): ValidateConsistencyRequest {
  // An explicit --sample 0 is an error here (over gRPC 0 can only mean "default").
  const checked = resolveValidateOptions({
    sampleSize: options.sample,
    tolerance: options.tolerance,
    maxMismatchRate: options.maxMismatchRate,
    maxExamples: options.maxExamples,
  });
  return create(ValidateConsistencyRequestSchema, {
    featureViews: options.views ?? [],
    selection: { features: options.features ?? [], featureServices: options.featureService ?? [] },
    sampleSize: checked.sampleSize,
    sampleFrom: options.sampleFrom === "offline" ? SampleFrom.OFFLINE : SampleFrom.ONLINE,
    tolerance: checked.tolerance,
    maxMismatchRate: checked.maxMismatchRate,
    maxExamples: checked.maxExamples,
  });
}

/** Validates in this process: opens the repository's registry, online store and a DuckDB instance. */
async function validateInProcess(
  repo: string,
  request: ValidateConsistencyRequest,
): Promise<ValidateConsistencyResponse> {
  const config = loadRepoConfig(resolve(repo));
  const registry = await openRegistry(config);
  const store = createOnlineStore(config);
  const db = await openDuckDb({ threads: 2 });
  try {
    const report = await validateConsistency(
      {
        repoPath: config.repoPath,
        snapshot: registry.snapshot(),
        registry,
        onlineStore: store,
        connect: () => db.connect(),
      },
      inputFromRequest(request),
    );
    return reportToProto(report);
  } finally {
    db.closeSync();
    await store.close();
    await registry.close();
  }
}

/** Runs `fstore validate`; sets the exit code (0 passed, 1 failed, 2 error). */
export async function runValidate(options: ValidateCommandOptions): Promise<void> {
  try {
    const request = validateRequestOf(options);
    const response = options.server
      ? await callUnary(
          { ...options, server: options.server },
          "ValidateConsistency",
          request,
          ValidateConsistencyResponseSchema,
        )
      : await validateInProcess(options.repo, request);
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify(toJson(ValidateConsistencyResponseSchema, response, { alwaysEmitImplicit: true }), null, 2)}\n`,
      );
    } else {
      process.stdout.write(formatConsistencyReport(response));
    }
    if (response.features.every((f) => f.compared === 0n)) {
      // The table's verdict says why; with --json it goes to stderr.
      if (options.json) console.error(`fstore validate: FAILED: ${NOTHING_COMPARED}`);
      process.exitCode = 1;
      return;
    }
    process.exitCode = response.passed ? 0 : 1;
  } catch (err) {
    failWith("validate", FstoreError.from(err));
  }
}

/** Registers `fstore validate`. */
export function registerValidateCommand(program: Command): void {
  const command = addServerOptions(
    program
      .command("validate")
      .description(
        "compare online values with the offline values at the same event time; exit 1 when the check fails",
      )
      .option("--repo <dir>", "feature repository folder", ".")
      .option("--sample <n>", "entities to sample per view (default 1000, at most 1000000)", wholeNumber)
      .option("--sample-from <where>", "draw sampled entities from 'online' or 'offline' keys", "online")
      .option(
        "--views <names>",
        "feature views to check, comma-separated or repeated (default: all online views)",
        viewList,
      )
      .option("--features <refs...>", 'check these features, "view:feature"')
      .option("--feature-service <names...>", "or: check the features of these feature services")
      .option(
        "--max-mismatch-rate <r>",
        "a feature passes when its mismatch rate is at most r (0..1, default 0)",
        number,
      )
      .option("--tolerance <t>", "relative tolerance for numbers (default 1e-6)", number)
      .option("--max-examples <n>", "examples per failing feature (default 3)", wholeNumber)
      .option("--json", "print the report as JSON (the ValidateConsistencyResponse)"),
    "validate on a running server (host:port) instead of in-process",
  ).action(async (opts: ValidateCommandOptions) => {
    if (opts.sampleFrom !== "online" && opts.sampleFrom !== "offline") {
      failWith(
        "validate",
        invalidArgument(`--sample-from must be online or offline, got "${opts.sampleFrom}"`),
      );
      return;
    }
    await runValidate(opts);
  });
  exitOnUsageError(command);
}

/** Exit code of usage errors and failed commands (1 is "the check failed"). */
export const EXIT_ERROR = 2;

/** Prints `command: CODE: message` on stderr and sets exit code 2. */
export function failWith(command: string, err: FstoreError): void {
  console.error(`fstore ${command}: ${err.code}: ${err.message}`);
  process.exitCode = EXIT_ERROR;
}

/** Makes commander's usage errors (unknown option, bad value) exit with 2 instead of 1. */
export function exitOnUsageError(command: Command): void {
  command.exitOverride((err) => {
    if (
      err.code === "commander.helpDisplayed" ||
      err.code === "commander.help" ||
      err.code === "commander.version"
    ) {
      process.exit(0);
    }
    process.exit(EXIT_ERROR);
  });
}
