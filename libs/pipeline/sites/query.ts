/**
 * One station of a finished site prediction as JSON: its coordinates and, per validity time, the mean, the
 * standard deviation, chosen percentiles and the exceedance probabilities, read back from the job's own
 * CF timeSeries file (libs/sites/predictionFile.ts layout). Missing values are null.
 */
import { InvalidArgumentError } from '../../contracts/errors.js';
import { NotFoundError } from '../../contracts/errors.js';
import { openDataset } from '../../netcdf/index.js';
import type { Dataset } from '../../netcdf/types.js';

export const DEFAULT_STATION_PERCENTILES = [5, 10, 25, 50, 75, 90, 95];

export interface StationSeries {
  station: { id: string; latitude: number | null; longitude: number | null; altitude: number | null };
  variable: string;
  units: string;
  times: string[];
  mean: (number | null)[];
  std: (number | null)[];
  /** Percentile (%) → value per time. */
  percentiles: Record<string, (number | null)[]>;
  probabilities: { threshold: number; above: (number | null)[] }[];
  provenance: Record<string, string | number>;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function strings(ds: Dataset, name: string): string[] {
  const raw = ds.readRaw(name).data;
  if (!Array.isArray(raw)) return Array.from(raw, (x) => String(x));
  return raw.map((s) => s.replace(/\0/g, '').trim());
}

/** Parse `percentiles=5,50,95` (integers 1–99; default DEFAULT_STATION_PERCENTILES). */
export function parseStationPercentiles(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_STATION_PERCENTILES;
  const list = raw.split(',').map((s) => s.trim());
  if (list.length > 99 || !list.every((s) => /^\d{1,2}$/.test(s) && Number(s) >= 1 && Number(s) <= 99))
    throw new InvalidArgumentError('percentiles must be a list of integers in [1, 99], e.g. 10,50,90');
  return [...new Set(list.map(Number))].sort((a, b) => a - b);
}

/** The series of `stationId` in the prediction file of variable `variable`; NotFoundError when absent. */
export async function stationSeries(
  file: string,
  variable: string,
  stationId: string,
  percentiles: number[] = DEFAULT_STATION_PERCENTILES,
): Promise<StationSeries> {
  const ds = await openDataset(file);
  try {
    const ids = strings(ds, 'station_id');
    const s = ids.indexOf(stationId);
    if (s < 0)
      throw new NotFoundError(
        `no station ${JSON.stringify(stationId)} in this prediction; it has ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ', …' : ''}`,
      );
    const S = ids.length;
    const times = Array.from(ds.readVariable('time').data, (t) => new Date(t * 1000).toISOString());
    const T = times.length;
    const at = (data: ArrayLike<number>, lead: number) =>
      Array.from({ length: T }, (_, t) => finite(data[(lead * T + t) * S + s]));
    const coord = (name: string) => (ds.hasVariable(name) ? finite(ds.readVariable(name).data[s]) : null);
    const pAxis = Array.from(ds.readVariable('percentile').data);
    const q = ds.readVariable(variable).data;
    const out: Record<string, (number | null)[]> = {};
    for (const p of percentiles) {
      const k = pAxis.findIndex((x) => Math.abs(x - p) < 1e-6);
      if (k < 0) throw new InvalidArgumentError(`percentile ${p} is not in the prediction (it has 1–99)`);
      out[String(p)] = at(q, k);
    }
    const probName = `probability_of_${variable}_above_threshold`;
    const probabilities: StationSeries['probabilities'] = [];
    if (ds.hasVariable(probName)) {
      const th = Array.from(ds.readVariable('threshold').data);
      const pr = ds.readVariable(probName).data;
      th.forEach((threshold, j) => probabilities.push({ threshold, above: at(pr, j) }));
    }
    const provenance: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(ds.attrs))
      if (k.startsWith('epp_') && (typeof v === 'string' || typeof v === 'number')) provenance[k] = v;
    const units = ds.variable(`${variable}_mean`).attrs.units;
    return {
      station: {
        id: stationId,
        latitude: coord('latitude'),
        longitude: coord('longitude'),
        altitude: coord('altitude'),
      },
      variable,
      units: typeof units === 'string' ? units : '1',
      times,
      mean: at(ds.readVariable(`${variable}_mean`).data, 0),
      std: at(ds.readVariable(`${variable}_std`).data, 0),
      percentiles: out,
      probabilities,
      provenance,
    };
  } finally {
    ds.close();
  }
}
