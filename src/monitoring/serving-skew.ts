/**
 * Training-serving skew from serving logs, profile against profile: what a
 * feature service served in a window (its serving logs, by request time) is
 * profiled on the bins and categories of its offline rows (every row, or a
 * window of event times: the rows a model trained on, or those the online
 * store was materialized from), and compared feature by feature like drift,
 * the offline profile as the reference. A served distribution that differs from
 * the offline one (a transformation computed differently online, a stale
 * or missing materialization: NOT_FOUND lowers the served coverage) shows
 * as PSI, KS, JS and coverage change. On-demand features have no offline
 * rows and are left out of the comparison.
 */
import { computeProfile, type ProfileContext } from "./compute-profile.js";
import {
  compareProfiles,
  DEFAULT_THRESHOLDS,
  type DriftReport,
  type DriftThresholds,
  referenceOf,
} from "./drift.js";
import type { Profile } from "./profile.js";

export interface ServingSkewRequest {
  featureService: string;
  /** The serving logs' window (request times). */
  start?: Date;
  end?: Date;
  /** The offline rows' window (event times); default every row. */
  offlineStart?: Date;
  offlineEnd?: Date;
  bins?: number;
  topValues?: number;
  thresholds?: DriftThresholds;
}

export interface ServingSkew {
  /** The offline rows of the window (the reference). */
  offline: Profile;
  /** The serving logs of the window, binned like `offline`. */
  serving: Profile;
  report: DriftReport;
}

export async function computeServingSkew(
  ctx: ProfileContext,
  request: ServingSkewRequest,
): Promise<ServingSkew> {
  const shape = {
    ...(request.bins !== undefined ? { bins: request.bins } : {}),
    ...(request.topValues !== undefined ? { topValues: request.topValues } : {}),
  };
  const offline = await computeProfile(ctx, {
    target: { kind: "feature_service", name: request.featureService },
    ...(request.offlineStart ? { start: request.offlineStart } : {}),
    ...(request.offlineEnd ? { end: request.offlineEnd } : {}),
    ...shape,
  });
  const serving = await computeProfile(ctx, {
    target: { kind: "serving_log", featureService: request.featureService },
    ...(request.start ? { start: request.start } : {}),
    ...(request.end ? { end: request.end } : {}),
    ...shape,
    reference: referenceOf(offline),
  });
  return {
    offline,
    serving,
    report: compareProfiles(offline, serving, request.thresholds ?? DEFAULT_THRESHOLDS),
  };
}
