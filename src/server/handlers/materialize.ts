import { Code, FstoreError } from "../../errors/index.js";
import type { ServerDeps } from "../deps.js";
import type { HandlerGroup } from "./handler-group.js";

export function createMaterializeHandlers(_deps: ServerDeps): HandlerGroup {
  return {
    materialize: // biome-ignore lint/correctness/useYield: placeholder until implemented
      async function* () {
        throw new FstoreError(Code.Unimplemented, "materialize is not implemented yet");
      },
  };
}
