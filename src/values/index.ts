export type { NativeScalar, NativeValue } from "./native-value.js";
export { fromRepeatedValue, fromValue, listElementType, toValue, valueTypeName } from "./native-value.js";
export type { EventTimeRange } from "./write-rules.js";
export {
  ALLOW_NON_FINITE_TAG,
  allowsNonFinite,
  checkEventTime,
  checkValues,
  eventTimeRange,
} from "./write-rules.js";
