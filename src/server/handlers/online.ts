import { Code, FstoreError } from "../../errors/index.js";
import type { ServerDeps } from "../deps.js";
import type { HandlerGroup } from "./handler-group.js";

export function createOnlineHandlers(_deps: ServerDeps): HandlerGroup {
  return {
    getOnlineFeatures: async () => {
      throw new FstoreError(Code.Unimplemented, "getOnlineFeatures is not implemented yet");
    },
  };
}
