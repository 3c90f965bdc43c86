export {
  Code,
  FstoreError,
  failedPrecondition,
  invalidArgument,
  notFound,
  unavailable,
} from "./fstore-error.js";
