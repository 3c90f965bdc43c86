import { Entity, Int64 } from "fstore";

/** A rentable vehicle. */
export const vehicle = new Entity({
  name: "vehicle",
  joinKeys: ["vehicle_id"],
  valueType: Int64,
  description: "A vehicle listed for rent",
  owner: "fleet@example.com",
});
