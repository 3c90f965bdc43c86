// On-demand feature views: request-time transformations over other features and request data.
export { evaluateOdfv, udfOf } from "./evaluate-odfv.js";
