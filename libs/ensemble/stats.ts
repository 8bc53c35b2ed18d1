/**
 * Member statistics of an ensemble laid out member-major ([member, y, x], float32): mean, variance, std
 * and member subsets. Accumulation is float64; a point with any NaN member gives NaN.
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import type { EnsembleField } from './types.js';

/** Values laid out [member, point]; `points` = ny·nx. */
export interface MemberArray {
  data: Float32Array;
  members: number;
  points: number;
}

function shapeOf(e: EnsembleField | MemberArray): MemberArray {
  if ('points' in e) return e;
  return { data: e.data, members: e.members.length, points: e.ny * e.nx };
}

/** Ensemble mean over members (removes the member dim): mean_i x_i. */
export function memberMean(e: EnsembleField | MemberArray): Float64Array {
  const { data, members: m, points: n } = shapeOf(e);
  const out = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const off = i * n;
    for (let p = 0; p < n; p++) out[p] += data[off + p];
  }
  for (let p = 0; p < n; p++) out[p] /= m;
  return out;
}

/**
 * Ensemble variance over members (removes the member dim), two-pass: Σ(x_i − x̄)² / (m − ddof).
 * ddof 1 is the unbiased estimator used by DESIGN §2 (spread, crps_gaussian) and IMPROVER's EMOS.
 */
export function memberVariance(
  e: EnsembleField | MemberArray,
  ddof: 0 | 1 = 1,
  mean?: Float64Array,
): Float64Array {
  const { data, members: m, points: n } = shapeOf(e);
  if (m - ddof <= 0)
    throw new InvalidArgumentError(`variance with ddof=${ddof} needs more than ${ddof} member(s), got ${m}`);
  const mu = mean ?? memberMean({ data, members: m, points: n });
  const out = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const off = i * n;
    for (let p = 0; p < n; p++) {
      const d = data[off + p] - mu[p];
      out[p] += d * d;
    }
  }
  for (let p = 0; p < n; p++) out[p] /= m - ddof;
  return out;
}

/** Ensemble standard deviation: sqrt(memberVariance). */
export function memberStd(
  e: EnsembleField | MemberArray,
  ddof: 0 | 1 = 1,
  mean?: Float64Array,
): Float64Array {
  const v = memberVariance(e, ddof, mean);
  for (let p = 0; p < v.length; p++) v[p] = Math.sqrt(v[p]);
  return v;
}

/**
 * Parse a member selection such as `1-5` or `0,2,4-6` (member identifiers, inclusive ranges) into a list.
 */
export function parseMemberSelection(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',').map((s) => s.trim())) {
    const m = /^(-?\d+)(?:-(-?\d+))?$/.exec(part);
    if (!m) throw new InvalidArgumentError(`member selection "${spec}": "${part}" is not N or N-M`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new InvalidArgumentError(`member selection "${spec}": range ${part} is reversed`);
    for (let k = a; k <= b; k++) out.push(k);
  }
  return out;
}

/** Keep the members whose identifiers are listed (in the listed order); error naming the file if absent. */
export function subsetMembers(e: EnsembleField, ids: number[]): EnsembleField {
  const n = e.ny * e.nx;
  const data = new Float32Array(ids.length * n);
  ids.forEach((id, k) => {
    const i = e.members.indexOf(id);
    if (i < 0)
      throw new InvalidArgumentError(
        `${e.source}: member ${id} not present (members ${e.members.join(',')})`,
      );
    data.set(e.data.subarray(i * n, (i + 1) * n), k * n);
  });
  return { ...e, data, members: [...ids] };
}
