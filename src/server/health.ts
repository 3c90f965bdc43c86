/**
 * grpc.health.v1 health checking. The server reports SERVING for the whole
 * server ("") and for fstore.v1.FeatureService, and NOT_SERVING as soon as a
 * shutdown begins so load balancers stop routing new calls here.
 */
import type { Server } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";

/** The service names whose status the server reports. */
export const healthServiceNames = ["", "fstore.v1.FeatureService"] as const;

export interface ServerHealth {
  setServing(serving: boolean): void;
}

/** Registers the health service on `server`, initially SERVING. */
export function addHealth(server: Server): ServerHealth {
  const impl = new HealthImplementation(Object.fromEntries(healthServiceNames.map((n) => [n, "SERVING"])));
  impl.addToServer(server);
  return {
    setServing(serving) {
      for (const name of healthServiceNames) impl.setStatus(name, serving ? "SERVING" : "NOT_SERVING");
    },
  };
}
