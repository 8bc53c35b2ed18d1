/**
 * Units a forecaster reads on a map or chart: temperature in °C, precipitation in mm, geopotential in dam.
 * Data files keep the physical units (K, kg m-2, m2 s-2); only what a report shows is converted.
 */

/** How to show one quantity: `value(x)` for absolute values, `delta(x)` for spreads, errors and CRPS. */
export interface DisplayUnits {
  /** Units of absolute values as shown (°C, mm, dam, …). */
  units: string;
  /** Units of differences, spreads and scores (equal to `units` except for offset scales). */
  deltaUnits: string;
  scale: number;
  offset: number;
}

const G0 = 9.80665; // standard gravity, m s-2 (WMO: geopotential metre = geopotential / g0)

function norm(units: string): string {
  return units.trim().replace(/\*\*/g, '').replace(/\^/g, '').replace(/\s+/g, ' ');
}

/**
 * Display units for a quantity with CF `units` and a variable name or standard_name (used only to tell
 * geopotential from other m2 s-2 quantities and precipitation from other lengths).
 */
export function displayUnits(units: string, variable = ''): DisplayUnits {
  const u = norm(units);
  const v = variable.toLowerCase();
  const same = (s: string): DisplayUnits => ({ units: s, deltaUnits: s, scale: 1, offset: 0 });
  if (u === 'K' || u === 'kelvin' || u === 'degK')
    return { units: '°C', deltaUnits: '°C', scale: 1, offset: -273.15 };
  if (u === 'degC' || u === 'celsius' || u === 'deg_C' || u === '°C') return same('°C');
  const precip = /precip|rain|^tp$|snow|_amount|lwe/.test(v);
  if (precip && (u === 'kg m-2' || u === 'mm')) return same('mm');
  if (precip && u === 'm') return { ...same('mm'), scale: 1000 };
  const geopotential = v === 'z' || /geopotential/.test(v);
  if (geopotential && (u === 'm2 s-2' || u === 'm2/s2')) return { ...same('dam'), scale: 1 / (10 * G0) };
  if (geopotential && (u === 'm' || u === 'gpm')) return { ...same('dam'), scale: 0.1 };
  if (u === '1' || u === '') return same('');
  return same(units);
}

/** An absolute value in display units. */
export function toDisplay(d: DisplayUnits, x: number): number {
  return x * d.scale + d.offset;
}

/** A difference, spread or score in display units. */
export function toDisplayDelta(d: DisplayUnits, x: number): number {
  return x * d.scale;
}

/** Convert a whole field (absolute values or, with `delta`, differences) into a new array. */
export function fieldToDisplay(d: DisplayUnits, v: ArrayLike<number>, delta = false): Float32Array {
  const out = new Float32Array(v.length);
  const off = delta ? 0 : d.offset;
  for (let i = 0; i < v.length; i++) out[i] = v[i] * d.scale + off;
  return out;
}

/** "15.1 °C", "5 mm": a value with its display units, 4 significant digits. */
export function formatWithUnits(x: number, units: string): string {
  const s = String(Number(x.toPrecision(4)));
  return units ? `${s} ${units}` : s;
}
