import type { FeatureService } from "../../../gen/fstore/v1/feature_service_pb.js";
import type { ServiceImpl } from "../service-adapter.js";

/** The handlers of some of FeatureService's methods. */
export type HandlerGroup = Partial<ServiceImpl<typeof FeatureService>>;
