import { Code, FstoreError } from "../errors/index.js";

/**
 * A problem in `feature_store.yaml`. The message always names the file, the
 * key path (e.g. `online_store.redis_type`) and what was expected, so a user
 * can fix it without reading fstore's source.
 */
export class ConfigError extends FstoreError {
  constructor(
    readonly file: string,
    readonly keyPath: string,
    readonly expectation: string,
  ) {
    super(Code.InvalidArgument, `${file}: ${keyPath || "<root>"}: ${expectation}`);
  }
}
