import { Entity, FeatureService, FeatureView, Field, FileSource, Float32, Int64 } from "fstore";

/** A driver, identified by driver_id. */
export const driver = new Entity({
  name: "driver",
  joinKeys: ["driver_id"],
  valueType: Int64,
  description: "A driver",
});

/** Hourly driver statistics, written by _generate_data.ts. */
export const driverStatsSource = new FileSource({
  name: "driver_hourly_stats_source",
  path: "data/driver_stats.parquet",
  timestampField: "event_timestamp",
  createdTimestampColumn: "created",
});

export const driverHourlyStats = new FeatureView({
  name: "driver_hourly_stats",
  entities: [driver],
  ttl: "1d",
  schema: [
    new Field({ name: "conv_rate", dtype: Float32 }),
    new Field({ name: "acc_rate", dtype: Float32 }),
    new Field({ name: "avg_daily_trips", dtype: Int64, description: "Average trips per day" }),
  ],
  source: driverStatsSource,
  online: true,
  tags: { team: "driver_performance" },
});

/** What the driver ranking model reads. */
export const driverActivityV1 = new FeatureService({
  name: "driver_activity_v1",
  features: [driverHourlyStats],
});
