/** Unit handling for site data: the few conversions station archives need (temperature, precipitation). */
import { MismatchError } from '../contracts/errors.js';

const ALIASES: Record<string, string> = {
  K: 'K',
  kelvin: 'K',
  degC: 'degC',
  Celsius: 'degC',
  celsius: 'degC',
  deg_C: 'degC',
  C: 'degC',
  'kg m-2': 'kg m-2',
  'kg/m2': 'kg m-2',
  'kg m**-2': 'kg m-2',
  mm: 'kg m-2',
  m: 'm',
};

/** Canonical spelling of a unit string (unknown units are kept as written). */
export function canonicalUnits(u: string): string {
  return ALIASES[u.trim()] ?? u.trim();
}

/**
 * A function converting values from `from` to `to` units (identity when equal; K↔degC by 273.15;
 * m of water → kg m-2 by 1000), or a MismatchError naming `where` when they cannot be converted.
 */
export function unitConverter(from: string, to: string, where: string): (x: number) => number {
  const a = canonicalUnits(from);
  const b = canonicalUnits(to);
  if (a === b) return (x) => x;
  if (a === 'K' && b === 'degC') return (x) => x - 273.15;
  if (a === 'degC' && b === 'K') return (x) => x + 273.15;
  if (a === 'm' && b === 'kg m-2') return (x) => x * 1000;
  if (a === 'kg m-2' && b === 'm') return (x) => x / 1000;
  throw new MismatchError(`${where}: units '${from}' cannot be converted to '${to}'`);
}

/** Convert an array in place (NaN stays NaN). */
export function convertInPlace(
  data: Float32Array | Float64Array,
  from: string,
  to: string,
  where: string,
): void {
  const f = unitConverter(from, to, where);
  if (canonicalUnits(from) === canonicalUnits(to)) return;
  for (let i = 0; i < data.length; i++) data[i] = f(data[i]);
}
