// Keeping the event loop responsive: long synchronous work in slices.
export { DEFAULT_SLICE_MS, TimeSlice, yieldToLoop } from "./time-slice.js";
