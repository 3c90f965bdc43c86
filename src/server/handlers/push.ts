import { Code, FstoreError } from "../../errors/index.js";
import type { ServerDeps } from "../deps.js";
import type { HandlerGroup } from "./handler-group.js";

export function createPushHandlers(_deps: ServerDeps): HandlerGroup {
  return {
    push: async () => {
      throw new FstoreError(Code.Unimplemented, "push is not implemented yet");
    },
  };
}
