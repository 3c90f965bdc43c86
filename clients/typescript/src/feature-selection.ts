/**
 * The one way every call that selects features says which: feature
 * references, or one or more feature services (the proto's FeatureSelection).
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { FeatureSelectionSchema } from "../gen/fstore/v1/feature_service_pb.js";

/** Give `features` or `featureServices`, not both. */
export interface FeatureSelectionInput {
  /** Feature references, each "view:feature", e.g. ["vehicle_features:num_images"]. */
  features?: readonly string[];
  /** One or more feature services, e.g. ["vehicle_model_v1"]. */
  featureServices?: readonly string[];
}

/** The FeatureSelection message of a request; both lists given is a TypeError naming `method`. */
export function featureSelection(
  input: FeatureSelectionInput,
  method: string,
): MessageInitShape<typeof FeatureSelectionSchema> {
  const features = input.features ?? [];
  const featureServices = input.featureServices ?? [];
  if (features.length > 0 && featureServices.length > 0) {
    throw new TypeError(`${method}: give \`features\` or \`featureServices\`, not both`);
  }
  return { features: [...features], featureServices: [...featureServices] };
}
