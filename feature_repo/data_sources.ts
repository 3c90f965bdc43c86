import { FileSource, PushSource } from "fstore";

/** Where the Parquet lives: `data/` by default, `data/large` for the benchmark set. */
const dataDir = process.env.FSTORE_DATA_DIR || "data";

/** Daily snapshots of each vehicle's listing. */
export const vehicleFeaturesSource = new FileSource({
  name: "vehicle_features_source",
  path: `${dataDir}/vehicle_features.parquet`,
  timestampField: "event_timestamp",
  createdTimestampColumn: "created",
  description: "Daily listing snapshots",
});

/** Hourly activity history; the push source appends to the same folder. */
export const vehicleHourlySource = new FileSource({
  name: "vehicle_hourly_source",
  path: `${dataDir}/vehicle_hourly`,
  timestampField: "event_timestamp",
  createdTimestampColumn: "created",
  description: "Hourly reservations and prices (corrections share the event time, with a later created time)",
});

/** Fresh hourly stats sent with the Push RPC as reservations happen. */
export const vehicleHourlyPush = new PushSource({
  name: "vehicle_hourly_push",
  batchSource: vehicleHourlySource,
  description: "Real-time hourly stats",
});

/** Training labels: one row per (vehicle, time) with the reservations that followed. Also the entity rows. */
export const vehicleLabels = new FileSource({
  name: "vehicle_labels",
  path: `${dataDir}/vehicle_labels.parquet`,
  timestampField: "event_timestamp",
  description: "Label num_reservations per vehicle and time; usable as entity rows for training sets",
});
