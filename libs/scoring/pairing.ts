/**
 * Consistency checks and valid-time pairing of forecasts with truths; every error names the files.
 */
import { DataError, MismatchError } from '../contracts/errors.js';
import type { Field2D, Grid } from '../ensemble/types.js';
import type { Forecast, ScorePair } from './types.js';

function sameAxis(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const tol = 1e-6 * Math.max(1, Math.abs(a[i]));
    if (!(Math.abs(a[i] - b[i]) <= tol)) return false;
  }
  return true;
}

/** True when two grids have the same shape and coordinate values (relative tolerance 1e-6). */
export function sameGrid(a: Grid, b: Grid): boolean {
  return sameAxis(a.y, b.y) && sameAxis(a.x, b.x);
}

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

/** Check grids, units and member counts of every forecast/truth pair against the first pair. */
export function checkPairs(pairs: ScorePair[]): void {
  if (pairs.length === 0) throw new DataError('no forecast/truth pairs to score');
  const ref = pairs[0];
  for (const { forecast: f, truth: t } of pairs) {
    if (f.ny !== t.ny || f.nx !== t.nx || !sameGrid(f.grid, t.grid))
      throw new MismatchError(
        `grids differ: forecast ${f.source} is ${f.ny}×${f.nx}, truth ${t.source} is ${t.ny}×${t.nx} (or their coordinates differ)`,
      );
    if (f.units !== t.units)
      throw new MismatchError(
        `units differ: forecast ${f.source} is "${f.units}", truth ${t.source} is "${t.units}"`,
      );
    if (!sameGrid(f.grid, ref.forecast.grid))
      throw new MismatchError(`grids differ between forecasts ${ref.forecast.source} and ${f.source}`);
    if (f.units !== ref.forecast.units)
      throw new MismatchError(
        `units differ between forecasts ${ref.forecast.source} ("${ref.forecast.units}") and ${f.source} ("${f.units}")`,
      );
    const mf = 'members' in f ? f.members.length : null;
    const mr = 'members' in ref.forecast ? ref.forecast.members.length : null;
    if (mf !== mr)
      throw new MismatchError(
        `member counts differ between forecasts ${ref.forecast.source} (${mr ?? 'gaussian'}) and ${f.source} (${mf ?? 'gaussian'})`,
      );
    let finite = 0;
    for (let i = 0; i < t.data.length; i++) if (!Number.isNaN(t.data[i])) finite++;
    if (finite === 0) throw new DataError(`truth ${t.source} is all NaN (missing) at ${iso(t.validTime)}`);
  }
}

/**
 * Pair each forecast with the truth of the same valid time (and level when both have one). A forecast with
 * no matching truth is an error naming it; so is a truth list that matches several fields to one forecast.
 */
export function pairByValidTime(forecasts: Forecast[], truths: Field2D[]): ScorePair[] {
  if (forecasts.length === 0) throw new DataError('no forecasts given');
  if (truths.length === 0) throw new DataError('no truths given');
  const pairs: ScorePair[] = [];
  for (const f of forecasts) {
    const matches = truths.filter(
      (t) =>
        t.validTime === f.validTime &&
        (t.level === undefined || f.level === undefined || t.level === f.level),
    );
    if (matches.length === 0)
      throw new MismatchError(
        `no truth matches forecast ${f.source} valid at ${iso(f.validTime)}; truths are valid at ${[
          ...new Set(truths.map((t) => iso(t.validTime))),
        ].join(', ')}`,
      );
    if (matches.length > 1)
      throw new MismatchError(
        `several truths (${matches.map((t) => t.source).join(', ')}) match forecast ${f.source} valid at ${iso(f.validTime)}`,
      );
    pairs.push({ forecast: f, truth: matches[0] });
  }
  return pairs;
}
