import { Code, FstoreError } from "../../errors/index.js";
import type { ServerDeps } from "../deps.js";
import type { HandlerGroup } from "./handler-group.js";

export function createRegistryHandlers(_deps: ServerDeps): HandlerGroup {
  const unimplemented = async () => {
    throw new FstoreError(Code.Unimplemented, "registry reads are not implemented yet");
  };
  return {
    listEntities: unimplemented,
    listFeatureViews: unimplemented,
    listFeatureServices: unimplemented,
    getFeatureView: unimplemented,
  };
}
