import { Bool, FeatureView, Field, Float64, Int64, OnDemandFeatureView, String as Str } from "fstore";
import { vehicleFeaturesSource, vehicleHourlyPush } from "./data_sources.js";
import { vehicle } from "./entities.js";

/** What a listing says about a vehicle. */
export const vehicleFeatures = new FeatureView({
  name: "vehicle_features",
  entities: [vehicle],
  ttl: "30d",
  schema: [
    new Field({ name: "technology", dtype: Str, description: "electric, hybrid, petrol or diesel" }),
    new Field({ name: "num_images", dtype: Int64 }),
    new Field({ name: "street_parked", dtype: Bool }),
    new Field({
      name: "description",
      dtype: Int64,
      description: "Length of the listing text, in characters",
    }),
    new Field({ name: "actual_price", dtype: Float64 }),
    new Field({ name: "recommended_price", dtype: Float64 }),
  ],
  source: vehicleFeaturesSource,
  online: true,
  tags: { team: "pricing", pii: "false" },
  owner: "pricing@example.com",
  description: "Listing features, refreshed daily",
});

/** Recent activity: changes every hour, so point-in-time joins matter. */
export const vehicleHourlyStats = new FeatureView({
  name: "vehicle_hourly_stats",
  entities: [vehicle],
  ttl: "2h",
  schema: [
    new Field({ name: "recent_reservations", dtype: Int64, description: "Reservations in the past hour" }),
    new Field({ name: "current_price", dtype: Float64 }),
  ],
  source: vehicleHourlyPush,
  online: true,
  tags: { team: "pricing" },
  owner: "pricing@example.com",
  description: "Hourly stats, pushed in real time and kept as Parquet history",
});

/** How far the asking price is from the recommended one, computed at request time. */
export const priceFeatures = new OnDemandFeatureView({
  name: "price_features",
  sources: [vehicleFeatures.select(["actual_price", "recommended_price"])],
  schema: [new Field({ name: "price_diff", dtype: Float64 })],
  udf: (inputs) => ({
    price_diff: inputs.actual_price.map((actual: number | null, i: number) => {
      const recommended = inputs.recommended_price[i];
      return actual === null || recommended === null ? null : actual - recommended;
    }),
  }),
  tags: { team: "pricing" },
  description: "actual_price - recommended_price",
});
