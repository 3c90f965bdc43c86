export {
  Code,
  FstoreError,
  failedPrecondition,
  invalidArgument,
  notFound,
  unavailable,
} from "./fstore-error.js";
export { MAX_MESSAGE_CHARS, shown, truncated } from "./shown.js";
