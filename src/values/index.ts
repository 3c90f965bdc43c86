export type { NativeScalar, NativeValue } from "./native-value.js";
export { fromRepeatedValue, fromValue, listElementType, toValue, valueTypeName } from "./native-value.js";
export {
  asBuffer,
  decodeRepeatedValue,
  decodeRepeatedValueEntry,
  decodeValue,
  orLibrary,
  plain,
  utf8,
  WireReader,
} from "./repeated-value-decoder.js";
export type { EventTimeRange } from "./write-rules.js";
export {
  ALLOW_NON_FINITE_TAG,
  allowsNonFinite,
  checkEventTime,
  checkValues,
  eventTimeRange,
} from "./write-rules.js";
