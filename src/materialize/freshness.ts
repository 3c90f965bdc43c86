/**
 * Freshness of a view's online values: the end of the last materialized
 * interval, its age, and whether a scheduled run was missed. Pure functions of
 * the registry's records, the cron schedule and the clock, so the registry
 * RPCs, the CLI and the metrics endpoint all agree.
 *
 * Overdue rule: after the last materialized end `E`, the schedule should next
 * fire at `next(E)`; the view is overdue when `now > next(E) + grace`. For a
 * regular schedule (daily, hourly) this is "age > period + grace", and it stays
 * right for irregular ones (weekdays only, first of the month). A view never
 * materialized is overdue once the first run after `since` (e.g. when it was
 * applied) is missed; one materialized only into another online store (the
 * configuration switched stores) is overdue at once, due since its creation:
 * this store has none of its values. No schedule: never overdue.
 */
import cron from "node-cron";

type ParsedFields = ReturnType<typeof cron.parse>;

export interface FreshnessOptions {
  /** Ends of the view's materialized intervals (any order). */
  intervalEnds: readonly Date[];
  /** The `materialization.schedule` cron expression (UTC), or null when scheduling is off. */
  schedule: string | null;
  now: Date;
  /** When the view could first have been materialized (e.g. applied); used only when never materialized. */
  since?: Date | undefined;
  /** Extra time allowed after a due run; default `defaultGraceMs(schedule)`. */
  graceMs?: number | undefined;
}

export interface ViewFreshness {
  /** End of the last materialized interval; undefined when never materialized. */
  lastMaterializedEnd: Date | undefined;
  /** now - lastMaterializedEnd in milliseconds (never negative); undefined when never materialized. */
  ageMs: number | undefined;
  /** A scheduled run was due more than the grace ago and has not advanced the view. */
  overdue: boolean;
  /** When the next scheduled run after the last end was (or is) due; undefined without a schedule. */
  dueAt: Date | undefined;
}

/** Freshness of one view (see the module comment for the overdue rule). */
export function computeFreshness(options: FreshnessOptions): ViewFreshness {
  const { now, schedule } = options;
  let last: Date | undefined;
  for (const end of options.intervalEnds) if (!last || end > last) last = end;
  const ageMs = last ? Math.max(0, now.getTime() - last.getTime()) : undefined;
  const base = last ?? options.since;
  if (schedule === null || base === undefined) {
    return { lastMaterializedEnd: last, ageMs, overdue: false, dueAt: undefined };
  }
  const dueAt = nextCronFire(schedule, base);
  const grace = options.graceMs ?? defaultGraceMs(schedule, base);
  const overdue = dueAt !== undefined && now.getTime() > dueAt.getTime() + grace;
  return { lastMaterializedEnd: last, ageMs, overdue, dueAt };
}

/** What the registry knows about one feature view, for {@link featureViewFreshness}. */
export interface FeatureViewFreshnessInput {
  /** Whether the view is served online; offline-only views are never scheduled, so never overdue. */
  online: boolean;
  /** Ends of the view's materialized intervals (any order). */
  intervalEnds: readonly Date[];
  /** The repository's `materialization.schedule` cron expression (UTC), or null when scheduling is off. */
  schedule: string | null;
  /** When `fstore apply` first wrote the view (the registry's created time); a never-materialized view is due from then. */
  created: Date | undefined;
  now: Date;
  /** The view has intervals recorded for another online store (`Registry.otherOnlineStores`). */
  materializedElsewhere?: boolean;
}

/**
 * Freshness of one registered feature view: the single rule behind
 * GetFeatureView's `meta.freshness`, `fstore status` (in-process and
 * `--server`) and the metrics endpoint, so they cannot disagree. Offline-only
 * views are not scheduled; a never-materialized view is due from its creation.
 */
export function featureViewFreshness(input: FeatureViewFreshnessInput): ViewFreshness {
  const schedule = input.online ? input.schedule : null;
  const freshness = computeFreshness({
    intervalEnds: input.intervalEnds,
    schedule,
    now: input.now,
    since: input.created,
  });
  if (input.materializedElsewhere && schedule !== null && freshness.lastMaterializedEnd === undefined) {
    return { ...freshness, overdue: true, dueAt: input.created ?? freshness.dueAt };
  }
  return freshness;
}

/**
 * The default grace: a tenth of the schedule's period, at least 60 seconds and
 * at most one hour. A scheduled run takes time (and a busy server may start it
 * late), so a view is not called overdue the moment its run is due.
 */
export function defaultGraceMs(schedule: string, from: Date = new Date(0)): number {
  const first = nextCronFire(schedule, from);
  const second = first ? nextCronFire(schedule, first) : undefined;
  const period = first && second ? second.getTime() - first.getTime() : 0;
  return Math.min(3_600_000, Math.max(60_000, Math.round(period / 10)));
}

/** Days searched for the next fire time (node-cron searches as far; 5 years covers any real schedule). */
const MAX_DAYS = 366 * 5;

/**
 * The first time strictly after `after` (at whole-second resolution) that the
 * UTC cron expression fires, with node-cron's semantics (seconds field
 * optional; day-of-month AND day-of-week; `L`, `nW`, `L-n`, `nL`, `n#k`).
 * Undefined when the expression never fires within five years (e.g. Feb 30).
 */
export function nextCronFire(schedule: string, after: Date): Date | undefined {
  const fields = cron.parse(schedule);
  const baseMs = Math.floor(after.getTime() / 1000) * 1000;
  const base = new Date(baseMs);
  const seconds = [...fields.second].sort((a, b) => a - b);
  const minutes = [...fields.minute].sort((a, b) => a - b);
  const hours = [...fields.hour].sort((a, b) => a - b);
  let year = base.getUTCFullYear();
  let month = base.getUTCMonth() + 1;
  let day = base.getUTCDate();
  for (let i = 0; i < MAX_DAYS; i++) {
    if (fields.month.includes(month) && dayMatches(fields, year, month, day)) {
      for (const h of hours) {
        for (const m of minutes) {
          for (const s of seconds) {
            const ts = Date.UTC(year, month - 1, day, h, m, s);
            if (ts > baseMs) return new Date(ts);
          }
        }
      }
    }
    const next = new Date(Date.UTC(year, month - 1, day + 1));
    year = next.getUTCFullYear();
    month = next.getUTCMonth() + 1;
    day = next.getUTCDate();
  }
  return undefined;
}

function lastDayOfMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayMatches(fields: ParsedFields, year: number, month: number, day: number): boolean {
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return (
    dayOfMonthMatches(fields.dayOfMonth, year, month, day) &&
    dayOfWeekMatches(fields.dayOfWeek, year, month, day, weekday)
  );
}

function nearestWeekday(year: number, month: number, target: number): number {
  const last = lastDayOfMonth(year, month);
  if (target < 1 || target > last) return -1;
  const weekday = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? target + 2 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function dayOfMonthMatches(field: (number | string)[], year: number, month: number, day: number): boolean {
  const last = lastDayOfMonth(year, month);
  for (const value of field) {
    if (value === day) return true;
    if (typeof value !== "string") continue;
    if (value === "L" && day === last) return true;
    const weekdayToken = /^(\d{1,2}|L)W$/.exec(value);
    if (weekdayToken?.[1] !== undefined) {
      const target = weekdayToken[1] === "L" ? last : Number.parseInt(weekdayToken[1], 10);
      if (nearestWeekday(year, month, target) === day) return true;
    }
    const offset = /^L-(\d{1,2})$/.exec(value);
    if (offset?.[1] !== undefined && last - Number.parseInt(offset[1], 10) === day) return true;
  }
  return false;
}

function dayOfWeekMatches(
  field: (number | string)[],
  year: number,
  month: number,
  day: number,
  weekday: number,
): boolean {
  for (const value of field) {
    if (value === weekday || value === weekday + 7) return true;
    if (typeof value !== "string") continue;
    const nth = /^([0-7])#([1-5])$/.exec(value);
    if (nth?.[1] !== undefined && nth[2] !== undefined) {
      if (
        Number.parseInt(nth[1], 10) % 7 === weekday &&
        Math.floor((day - 1) / 7) + 1 === Number.parseInt(nth[2], 10)
      ) {
        return true;
      }
      continue;
    }
    const lastOf = /^([0-7])L$/i.exec(value);
    if (
      lastOf?.[1] !== undefined &&
      Number.parseInt(lastOf[1], 10) % 7 === weekday &&
      day + 7 > lastDayOfMonth(year, month)
    ) {
      return true;
    }
  }
  return false;
}
