export type { NativeScalar, NativeValue } from "./native-value.js";
export { fromRepeatedValue, fromValue, listElementType, toValue, valueTypeName } from "./native-value.js";
