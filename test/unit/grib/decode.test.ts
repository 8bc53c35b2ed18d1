/**
 * epp's GRIB decoder against ecCodes on every fixture (keys, sampled values and coordinates from the committed
 * reference; all values through grib_get_data where ecCodes is installed, as in CI), and on both real GRIB
 * files, whose values also equal their NetCDF copies in the real data.
 */
import { openGribIndex } from '../../../libs/grib/index.js';
import { projectedPoints, reducedPoints, regularAxes } from '../../../libs/grib/grid.js';
import type { GribField } from '../../../libs/grib/types.js';
import { REFERENCE, eccodesValues, fixture, haveEccodes, packingType, tolerance } from './fixtures.js';

/** Latitude and longitude of each point in storage order. */
function points(f: GribField): { lat: Float64Array; lon: Float64Array } {
  const g = f.grid;
  if (g.type === 'reduced_gg') return reducedPoints(g);
  if (g.type === 'lambert' || g.type === 'polar_stereographic') return projectedPoints(g);
  const { lat, lon } = regularAxes(g);
  const la = new Float64Array(g.nx * g.ny);
  const lo = new Float64Array(g.nx * g.ny);
  for (let k = 0; k < g.nx * g.ny; k++) {
    const [j, i] = g.jPointsAreConsecutive
      ? [k % g.ny, Math.floor(k / g.ny)]
      : [Math.floor(k / g.nx), k % g.nx];
    la[k] = lat[j];
    lo[k] = lon[i];
  }
  return { lat: la, lon: lo };
}

const lonDiff = (a: number, b: number) => Math.abs(((a - b + 540) % 360) - 180);

/** Largest |epp − ecCodes| as a fraction of the allowed tolerance (≤ 1 passes); NaN must match NaN. */
function worstRatio(f: GribField, mine: Float32Array, ref: ArrayLike<number | null>, idx?: number[]): number {
  let worst = 0;
  const n = idx ? idx.length : mine.length;
  for (let k = 0; k < n; k++) {
    const i = idx ? idx[k] : k;
    const r = ref[k] ?? NaN;
    const m = mine[i];
    if (Number.isNaN(r) || Number.isNaN(m)) {
      if (Number.isNaN(r) !== Number.isNaN(m)) return Infinity;
      continue;
    }
    worst = Math.max(worst, Math.abs(m - r) / tolerance(f, r));
  }
  return worst;
}

const files = Object.keys(REFERENCE.files);

describe('GRIB fixtures decode as ecCodes decodes them', () => {
  test('every packing, grid and product template is covered', () => {
    const all = files.flatMap((n) => REFERENCE.files[n].map((m) => m.keys));
    expect(new Set(all.map((k) => k.packingType))).toEqual(
      new Set([
        'grid_simple',
        'grid_complex',
        'grid_complex_spatial_differencing',
        'grid_ccsds',
        'grid_jpeg',
        'grid_png',
      ]),
    );
    expect(new Set(all.map((k) => k.gridType))).toEqual(
      new Set(['regular_ll', 'regular_gg', 'reduced_gg', 'lambert', 'polar_stereographic']),
    );
    expect(new Set(all.map((k) => k.productDefinitionTemplateNumber))).toEqual(new Set([0, 1, 11]));
    expect(all.some((k) => Number(k.numberOfMissing) > 0)).toBe(true);
  });

  test.each(files)('%s: keys, sampled values and coordinates equal the reference', async (name) => {
    const ix = await openGribIndex(fixture(name));
    try {
      const refs = REFERENCE.files[name];
      expect(ix.fields).toHaveLength(refs.length);
      ix.fields.forEach((f, k) => {
        const r = refs[k];
        const keys = r.keys;
        const date = new Date(f.refTime * 1000);
        expect({
          edition: f.edition,
          shortName: f.param.shortName,
          typeOfLevel: f.typeOfLevel,
          level: f.level,
          number: f.number ?? (keys.number === 'not_found' ? 'not_found' : 0),
          dataDate: date.getUTCFullYear() * 10000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate(),
          dataTime: date.getUTCHours() * 100 + date.getUTCMinutes(),
          step: f.stepHours,
          stepType: f.stepType,
          gridType: f.grid.type,
          packingType: packingType(f),
          numberOfPoints: f.grid.numberOfPoints,
          bitsPerValue: f.data.bitsPerValue,
          binaryScaleFactor: f.data.binaryScale,
          decimalScaleFactor: f.data.decimalScale,
        }).toEqual({
          edition: keys.edition,
          shortName: keys.shortName,
          typeOfLevel: keys.typeOfLevel,
          level: keys.level,
          number: keys.number,
          dataDate: keys.dataDate,
          dataTime: keys.dataTime,
          step: keys.step,
          stepType: keys.stepType,
          gridType: keys.gridType,
          packingType: keys.packingType,
          numberOfPoints: keys.numberOfPoints,
          bitsPerValue: keys.bitsPerValue,
          binaryScaleFactor: keys.binaryScaleFactor,
          decimalScaleFactor: keys.decimalScaleFactor,
        });
        const v = ix.values(f);
        expect(v).toHaveLength(r.count);
        let missing = 0;
        let sum = 0;
        for (const x of v) {
          if (Number.isNaN(x)) missing++;
          else sum += x;
        }
        expect(missing).toBe(r.missing);
        expect(Math.abs(sum - r.sum)).toBeLessThanOrEqual(tolerance(f, r.max ?? 0) * (r.count - r.missing));
        expect(worstRatio(f, v, r.values, r.index)).toBeLessThanOrEqual(1);
        const p = points(f);
        const projected = f.grid.type === 'lambert' || f.grid.type === 'polar_stereographic';
        // grib_get_data prints coordinates to 3 decimals; projections are computed independently of ecCodes.
        const tol = projected ? 2e-3 : 6e-4;
        r.index.forEach((i, k) => {
          expect(Math.abs(p.lat[i] - r.latitudes[k])).toBeLessThanOrEqual(tol);
          expect(lonDiff(p.lon[i], r.longitudes[k])).toBeLessThanOrEqual(tol);
        });
      });
    } finally {
      ix.close();
    }
  });

  const full = haveEccodes() ? test.each(files) : test.skip.each(files);
  full('%s: every value equals grib_get_data within half the packing precision', async (name) => {
    const ix = await openGribIndex(fixture(name));
    try {
      const ref = eccodesValues(fixture(name));
      expect(ref).toHaveLength(ix.fields.length);
      ix.fields.forEach((f, k) => {
        expect(worstRatio(f, ix.values(f), ref[k])).toBeLessThanOrEqual(1);
      });
    } finally {
      ix.close();
    }
  });
});
