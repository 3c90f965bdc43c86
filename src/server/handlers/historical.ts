import { Code, FstoreError } from "../../errors/index.js";
import type { ServerDeps } from "../deps.js";
import type { HandlerGroup } from "./handler-group.js";

export function createHistoricalHandlers(_deps: ServerDeps): HandlerGroup {
  return {
    getHistoricalFeatures: // biome-ignore lint/correctness/useYield: placeholder until implemented
      async function* () {
        throw new FstoreError(Code.Unimplemented, "getHistoricalFeatures is not implemented yet");
      },
  };
}
