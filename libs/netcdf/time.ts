/** CF time coordinates ("<unit> since <reference date>") → seconds since 1970-01-01T00:00:00Z. */
import { DataError } from '../contracts/errors.js';

const UNIT_SECONDS: Record<string, number> = {
  microseconds: 1e-6,
  microsecond: 1e-6,
  us: 1e-6,
  milliseconds: 1e-3,
  millisecond: 1e-3,
  ms: 1e-3,
  seconds: 1,
  second: 1,
  secs: 1,
  sec: 1,
  s: 1,
  minutes: 60,
  minute: 60,
  mins: 60,
  min: 60,
  hours: 3600,
  hour: 3600,
  hrs: 3600,
  hr: 3600,
  h: 3600,
  days: 86400,
  day: 86400,
  d: 86400,
  weeks: 604800,
  week: 604800,
};

/** Calendars that are the proleptic Gregorian calendar for every date after 1582-10-15 (CF §4.4.1). */
const GREGORIAN = new Set(['standard', 'gregorian', 'proleptic_gregorian']);

export interface TimeUnits {
  /** Seconds per unit. */
  scale: number;
  /** Reference date as epoch seconds. */
  epoch: number;
}

/**
 * Parse CF time units (CF-1.8 §4.4: `<unit> since YYYY-MM-DD[ hh:mm[:ss[.f]]][ Z|±hh[:mm]]`) for the
 * standard/gregorian/proleptic_gregorian calendars. `where` names the file and variable in errors.
 */
export function parseTimeUnits(units: string, calendar: string | undefined, where: string): TimeUnits {
  const cal = (calendar ?? 'standard').toLowerCase();
  if (!GREGORIAN.has(cal))
    throw new DataError(
      `${where}: calendar '${calendar}' is not supported (standard, gregorian, proleptic_gregorian)`,
    );
  const m =
    /^\s*(\w+)\s+since\s+(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?\s*(Z|UTC|[+-]\d{1,2}(?::?\d{2})?)?\s*$/i.exec(
      units,
    );
  const scale = m ? UNIT_SECONDS[m[1].toLowerCase()] : undefined;
  if (!m || scale === undefined)
    throw new DataError(`${where}: '${units}' is not CF time units ('<unit> since <date>')`);
  const [, , y, mo, d, h = '0', mi = '0', s = '0', tz] = m;
  // setUTCFullYear, unlike Date.UTC, keeps years 0..99 as they are.
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), 0, 0);
  let epoch = date.getTime() / 1000 + Number(s);
  if (tz && !/^(Z|UTC)$/i.test(tz)) {
    const t = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(tz)!;
    const offset = (Number(t[2]) * 3600 + Number(t[3] ?? 0) * 60) * (t[1] === '-' ? -1 : 1);
    epoch -= offset;
  }
  return { scale, epoch };
}

/** values × seconds-per-unit + reference epoch; NaN stays NaN. */
export function toEpochSeconds(values: ArrayLike<number>, u: TimeUnits): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] * u.scale + u.epoch;
  return out;
}

/** Seconds per unit of a duration such as `hours` or `seconds` (forecast_period, step); undefined if unknown. */
export function durationSeconds(units: string): number | undefined {
  return UNIT_SECONDS[units.trim().split(/\s+/)[0]?.toLowerCase() ?? ''];
}
