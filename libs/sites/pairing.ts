/** Pair site forecasts and observations by station identifier and validity time; gaps are counted, never guessed. */
import { DataError, InvalidArgumentError, MismatchError } from '../contracts/errors.js';
import type { SiteForecast, SiteObservations, SitePairs } from './types.js';
import { convertInPlace } from './units.js';

/** A validity-time window [from, to) in epoch seconds; either end open when undefined. */
export interface Period {
  from?: number;
  to?: number;
}

export function inPeriod(t: number, p: Period): boolean {
  return (p.from === undefined || t >= p.from) && (p.to === undefined || t < p.to);
}

/**
 * Member indices (positions along the realization axis) from `--members`: a count K (the first K) or a list
 * of realization identifiers. Fewer members in the file than asked → MismatchError naming the file.
 */
export function selectMembers(f: SiteForecast, spec: number | number[]): number[] {
  const m = f.members.length;
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1)
      throw new InvalidArgumentError(`--members must be a positive integer, got ${spec}`);
    if (spec > m)
      throw new MismatchError(
        `${f.source}: variable '${f.variable}' has ${m} realizations, fewer than the ${spec} asked for`,
      );
    return Array.from({ length: spec }, (_, i) => i);
  }
  if (spec.length === 0) throw new InvalidArgumentError('--members list is empty');
  return spec.map((id) => {
    const i = f.members.indexOf(id);
    if (i < 0)
      throw new MismatchError(
        `${f.source}: variable 'realization' has no member ${id} (has ${f.members.join(',')})`,
      );
    return i;
  });
}

/**
 * Observations in the forecast's units, indexed like the forecast: obs[time, station] (NaN when there is no
 * row). Every forecast station must appear in the observations (MismatchError naming both files otherwise).
 */
export function alignObservations(
  f: SiteForecast,
  o: SiteObservations,
): { data: Float64Array; noTime: Uint8Array } {
  const values = Float64Array.from(o.data);
  convertInPlace(values, o.units, f.units, `${o.source}: variable '${o.variable}'`);
  const sIdx = new Map(o.stationIds.map((s, i) => [s, i]));
  const cols = f.stations.id.map((id) => {
    const i = sIdx.get(id);
    if (i === undefined)
      throw new MismatchError(
        `${o.source}: variable 'station_id' has no station '${id}' (forecast station in ${f.source})`,
      );
    return i;
  });
  const tIdx = new Map<number, number>();
  o.times.forEach((t, i) => tIdx.set(t, i));
  const T = f.times.length;
  const S = cols.length;
  const So = o.stationIds.length;
  const data = new Float64Array(T * S).fill(NaN);
  const noTime = new Uint8Array(T);
  for (let t = 0; t < T; t++) {
    const r = tIdx.get(f.times[t]);
    if (r === undefined) {
      noTime[t] = 1;
      continue;
    }
    for (let s = 0; s < S; s++) data[t * S + s] = values[r * So + cols[s]];
  }
  return { data, noTime };
}

/** Pairs within `period` whose selected members and observation are all finite. */
export function pairSites(
  f: SiteForecast,
  o: SiteObservations,
  members: number[],
  period: Period = {},
): SitePairs {
  const { data: obs, noTime } = alignObservations(f, o);
  const T = f.times.length;
  const S = f.stations.id.length;
  const M = f.members.length;
  const time: number[] = [];
  const station: number[] = [];
  const y: number[] = [];
  const skipped = { missingForecast: 0, missingObservation: 0, noObservationTime: 0 };
  for (let t = 0; t < T; t++) {
    if (!inPeriod(f.times[t], period)) continue;
    for (let s = 0; s < S; s++) {
      if (noTime[t]) {
        skipped.noObservationTime++;
        continue;
      }
      const base = (t * S + s) * M;
      let ok = true;
      for (const m of members) if (!Number.isFinite(f.data[base + m])) ok = false;
      if (!ok) {
        skipped.missingForecast++;
        continue;
      }
      const v = obs[t * S + s];
      if (!Number.isFinite(v)) {
        skipped.missingObservation++;
        continue;
      }
      time.push(t);
      station.push(s);
      y.push(v);
    }
  }
  return {
    time: Int32Array.from(time),
    station: Int32Array.from(station),
    obs: Float64Array.from(y),
    n: y.length,
    skipped,
  };
}

/** A DataError when a period holds no usable pairs (names the files and the period). */
export function requirePairs(
  p: SitePairs,
  f: SiteForecast,
  o: SiteObservations,
  period: Period,
  what: string,
): void {
  if (p.n > 0) return;
  const iso = (t?: number) => (t === undefined ? '…' : new Date(t * 1000).toISOString());
  throw new DataError(
    `${f.source} + ${o.source}: no ${what} pairs with validity time in [${iso(period.from)}, ${iso(period.to)}) (skipped: ${JSON.stringify(p.skipped)})`,
  );
}
