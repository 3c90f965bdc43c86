import { FeatureService } from "fstore";
import { priceFeatures, vehicleFeatures, vehicleHourlyStats } from "./feature_views.js";

/** Everything the reservation model v1 reads. */
export const vehicleModelV1 = new FeatureService({
  name: "vehicle_model_v1",
  features: [vehicleFeatures, vehicleHourlyStats, priceFeatures],
  tags: { model: "reservations", version: "1" },
  owner: "pricing@example.com",
  description: "Inputs of the reservation-count model",
});
