import { Code, FstoreError } from "../../errors/index.js";
import type { ServerDeps } from "../deps.js";
import type { HandlerGroup } from "./handler-group.js";

export function createConsistencyHandlers(_deps: ServerDeps): HandlerGroup {
  return {
    validateConsistency: async () => {
      throw new FstoreError(Code.Unimplemented, "validateConsistency is not implemented yet");
    },
  };
}
