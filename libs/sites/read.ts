/**
 * Readers for site data: CF-1.8 `featureType = timeSeries` files (`<var>(time, station[, realization])`,
 * `station_id` with cf_role timeseries_id), IMPROVER spot files (`<var>(realization, spot_index)` with
 * `wmo_id`, one file per validity time), and observation CSVs (`station_id,time,<var>`).
 */
import { readFileSync } from 'node:fs';
import {
  DataError,
  FileAccessError,
  InvalidArgumentError,
  MismatchError,
  NotFoundInFileError,
} from '../contracts/errors.js';
import { openDataset } from '../netcdf/open.js';
import type { Dataset } from '../netcdf/types.js';
import type { SiteForecast, SiteObservations, SiteStations } from './types.js';

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function readStrings(ds: Dataset, name: string): string[] {
  const raw = ds.readRaw(name).data;
  if (!Array.isArray(raw)) return Array.from(raw, (x) => String(x));
  return raw.map((s) => s.replace(/\0/g, '').trim());
}

/** The station dimension: the first dimension of the variable with cf_role timeseries_id. */
function stationAxis(ds: Dataset): { dim: string; idVar: string } {
  const idVar = ds.variables.find((v) => v.attrs.cf_role === 'timeseries_id');
  if (idVar) return { dim: idVar.dims[0], idVar: idVar.name };
  if (ds.hasVariable('wmo_id')) return { dim: ds.variable('wmo_id').dims[0], idVar: 'wmo_id' };
  throw new NotFoundInFileError(
    `${ds.path}: no station identifier (a variable with cf_role = timeseries_id, or wmo_id)`,
  );
}

function readStations(ds: Dataset, dim: string, idVar: string): SiteStations {
  const id = readStrings(ds, idVar);
  const seen = new Set<string>();
  for (const s of id) {
    if (seen.has(s)) throw new DataError(`${ds.path}: variable '${idVar}' lists station '${s}' twice`);
    seen.add(s);
  }
  const n = id.length;
  const coord = (name: string): Float64Array => {
    if (!ds.hasVariable(name)) return new Float64Array(n).fill(NaN);
    const v = ds.variable(name);
    if (v.dims.length !== 1 || v.dims[0] !== dim) return new Float64Array(n).fill(NaN);
    return Float64Array.from(ds.readVariable(name).data);
  };
  const name = ds.hasVariable('station_name') ? readStrings(ds, 'station_name') : undefined;
  return {
    id,
    name,
    latitude: coord('latitude'),
    longitude: coord('longitude'),
    altitude: coord('altitude'),
  };
}

/** Strictly increasing times, or a DataError naming the file and the duplicated / out-of-order time. */
export function checkIncreasing(times: Float64Array, where: string): void {
  for (let i = 1; i < times.length; i++) {
    if (times[i] === times[i - 1])
      throw new DataError(`${where}: duplicated time ${new Date(times[i] * 1000).toISOString()}`);
    if (!(times[i] > times[i - 1]))
      throw new DataError(
        `${where}: times not increasing (${new Date(times[i] * 1000).toISOString()} after ${new Date(times[i - 1] * 1000).toISOString()})`,
      );
  }
}

/** Copy `src` with dims `srcDims` into the layout `want` (a permutation of srcDims). */
function permute(src: ArrayLike<number>, srcDims: string[], shape: number[], want: string[]): Float32Array {
  const out = new Float32Array(src.length);
  const perm = want.map((d) => srcDims.indexOf(d));
  const srcStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const wantShape = perm.map((p) => shape[p]);
  const idx = new Array<number>(want.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let k = 0; k < want.length; k++) s += idx[k] * srcStrides[perm[k]];
    out[o] = src[s];
    for (let k = want.length - 1; k >= 0; k--) {
      if (++idx[k] < wantShape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

export interface ReadSiteOptions {
  /** Names of extra non-member forecasts to read; default every `[time, station]` variable named `<variable>_*`. */
  extras?: string[];
}

/** Read an ensemble forecast at stations from a CF timeSeries file: data[time, station, member]. */
export async function readSiteForecast(
  path: string,
  variable: string,
  o: ReadSiteOptions = {},
): Promise<SiteForecast> {
  const ds = await openDataset(path);
  try {
    const v = ds.variable(variable);
    const { dim: sDim, idVar } = stationAxis(ds);
    const member = ds.memberAxis();
    const tDim = ds.hasVariable('time') ? ds.variable('time').dims[0] : 'time';
    if (!member || !v.dims.includes(member.name))
      throw new NotFoundInFileError(
        `${path}: variable '${variable}' has no realization dimension (dims ${v.dims.join(', ')})`,
      );
    if (!v.dims.includes(sDim) || !tDim || !v.dims.includes(tDim) || v.dims.length !== 3)
      throw new DataError(
        `${path}: variable '${variable}' must be (time, station, realization), has (${v.dims.join(', ')})`,
      );
    const stations = readStations(ds, sDim, idVar);
    const times = ds.readTime('time');
    checkIncreasing(times, `${path}: variable 'time'`);
    const dec = ds.readVariable(variable);
    const data = permute(dec.data, v.dims, v.shape, [tDim, sDim, member.name]);
    const members = ds.hasVariable(member.name)
      ? Array.from(ds.readVariable(member.name).data)
      : Array.from({ length: member.size }, (_, i) => i);
    const units = text(v.attrs.units) ?? '1';
    const extras: Record<string, Float32Array> = {};
    const extraNames =
      o.extras ??
      ds.variables
        .filter(
          (x) =>
            x.name.startsWith(`${variable}_`) &&
            x.dims.length === 2 &&
            x.dims.includes(tDim) &&
            x.dims.includes(sDim),
        )
        .map((x) => x.name);
    for (const name of extraNames) {
      const xv = ds.variable(name);
      if (xv.dims.length !== 2 || !xv.dims.includes(tDim) || !xv.dims.includes(sDim))
        throw new DataError(
          `${path}: extra predictor '${name}' must be (time, station), has (${xv.dims.join(', ')})`,
        );
      const xu = text(xv.attrs.units) ?? units;
      if (xu !== units)
        throw new MismatchError(
          `${path}: extra predictor '${name}' is in '${xu}', '${variable}' in '${units}'`,
        );
      extras[name] = permute(ds.readVariable(name).data, xv.dims, xv.shape, [tDim, sDim]);
    }
    const referenceTimes = ds.hasVariable('forecast_reference_time')
      ? ds.readTime('forecast_reference_time')
      : undefined;
    let forecastPeriod: number | undefined;
    if (ds.hasVariable('forecast_period')) {
      const fp = ds.readVariable('forecast_period').data;
      if (fp.length === 1) forecastPeriod = fp[0];
    }
    return {
      source: path,
      variable,
      standardName: text(v.attrs.standard_name),
      units,
      stations,
      times,
      referenceTimes: referenceTimes && referenceTimes.length === times.length ? referenceTimes : undefined,
      forecastPeriod,
      members,
      data,
      extras,
    };
  } finally {
    ds.close();
  }
}

/**
 * Read IMPROVER spot forecasts, one file per validity time (`<var>(realization, spot_index)`, scalar `time`,
 * `wmo_id`), into one SiteForecast ordered by time. Every file must list the same stations.
 */
export async function readImproverSpotForecasts(paths: string[], variable: string): Promise<SiteForecast> {
  if (paths.length === 0) throw new InvalidArgumentError('no IMPROVER spot files given');
  const parts: { time: number; ref?: number; data: Float32Array; file: string }[] = [];
  let stations: SiteStations | undefined;
  let members: number[] = [];
  let units = '';
  let standardName: string | undefined;
  let forecastPeriod: number | undefined;
  for (const path of paths) {
    const ds = await openDataset(path);
    try {
      const v = ds.variable(variable);
      const { dim, idVar } = stationAxis(ds);
      const member = ds.memberAxis();
      if (!member || v.dims.length !== 2 || !v.dims.includes(dim) || !v.dims.includes(member.name))
        throw new DataError(
          `${path}: variable '${variable}' must be (realization, spot_index), has (${v.dims.join(', ')})`,
        );
      const st = readStations(ds, dim, idVar);
      if (!stations) {
        stations = st;
        members = Array.from(ds.readVariable(member.name).data);
        units = text(v.attrs.units) ?? '1';
        standardName = text(v.attrs.standard_name);
        if (ds.hasVariable('forecast_period')) forecastPeriod = ds.readVariable('forecast_period').data[0];
      } else if (st.id.join(',') !== stations.id.join(','))
        throw new MismatchError(`${path}: variable '${idVar}' lists different stations from ${paths[0]}`);
      else if (member.size !== members.length)
        throw new MismatchError(`${path}: ${member.size} realizations, ${paths[0]} has ${members.length}`);
      const t = ds.readTime('time');
      if (t.length !== 1) throw new DataError(`${path}: variable 'time' must be a scalar in a spot file`);
      const ref = ds.hasVariable('forecast_reference_time')
        ? ds.readTime('forecast_reference_time')[0]
        : undefined;
      // Spot layout (realization, spot) → [station, member].
      const data = permute(ds.readVariable(variable).data, v.dims, v.shape, [dim, member.name]);
      parts.push({ time: t[0], ref, data, file: path });
    } finally {
      ds.close();
    }
  }
  parts.sort((a, b) => a.time - b.time);
  const times = Float64Array.from(parts.map((p) => p.time));
  checkIncreasing(times, `IMPROVER spot files (${paths.length}) 'time'`);
  const S = stations!.id.length;
  const M = members.length;
  const data = new Float32Array(parts.length * S * M);
  parts.forEach((p, t) => data.set(p.data, t * S * M));
  const refs = parts.every((p) => p.ref !== undefined)
    ? Float64Array.from(parts.map((p) => p.ref!))
    : undefined;
  return {
    source: paths.join(','),
    variable,
    standardName,
    units,
    stations: stations!,
    times,
    referenceTimes: refs,
    forecastPeriod,
    members,
    data,
    extras: {},
  };
}

/** Read observations from a CF timeSeries file (`<var>(time, station)`) or IMPROVER spot truth files. */
export async function readSiteObservationsNetcdf(path: string, variable: string): Promise<SiteObservations> {
  const ds = await openDataset(path);
  try {
    const v = ds.variable(variable);
    const { dim: sDim, idVar } = stationAxis(ds);
    const stationIds = readStations(ds, sDim, idVar).id;
    const times = ds.readTime('time');
    const units = text(v.attrs.units) ?? '1';
    if (v.dims.length === 1 && v.dims[0] === sDim && times.length === 1)
      return {
        source: path,
        variable,
        units,
        stationIds,
        times,
        data: Float32Array.from(ds.readVariable(variable).data),
      };
    const tDim = ds.variable('time').dims[0];
    if (v.dims.length !== 2 || !v.dims.includes(sDim) || !v.dims.includes(tDim))
      throw new DataError(
        `${path}: observation variable '${variable}' must be (time, station), has (${v.dims.join(', ')})`,
      );
    checkIncreasing(times, `${path}: variable 'time'`);
    const data = permute(ds.readVariable(variable).data, v.dims, v.shape, [tDim, sDim]);
    return { source: path, variable, units, stationIds, times, data };
  } finally {
    ds.close();
  }
}

/** Merge single-time observation sets (e.g. IMPROVER truth files) into one, ordered by time. */
export function mergeObservations(parts: SiteObservations[]): SiteObservations {
  if (parts.length === 0) throw new InvalidArgumentError('no observation files given');
  const ids = parts[0].stationIds;
  const rows: { t: number; d: Float32Array }[] = [];
  for (const p of parts) {
    if (p.stationIds.join(',') !== ids.join(','))
      throw new MismatchError(`${p.source}: lists different stations from ${parts[0].source}`);
    if (p.units !== parts[0].units)
      throw new MismatchError(`${p.source}: units '${p.units}', ${parts[0].source} has '${parts[0].units}'`);
    for (let t = 0; t < p.times.length; t++)
      rows.push({ t: p.times[t], d: p.data.subarray(t * ids.length, (t + 1) * ids.length) });
  }
  rows.sort((a, b) => a.t - b.t);
  const times = Float64Array.from(rows.map((r) => r.t));
  checkIncreasing(times, `observations (${parts.map((p) => p.source).join(', ')}) 'time'`);
  const data = new Float32Array(rows.length * ids.length);
  rows.forEach((r, i) => data.set(r.d, i * ids.length));
  return {
    source: parts.map((p) => p.source).join(','),
    variable: parts[0].variable,
    units: parts[0].units,
    stationIds: ids,
    times,
    data,
  };
}

/**
 * Read an observation CSV `station_id,time,<var>` (time ISO 8601 UTC; empty or NaN = missing). The value
 * column may carry its units as `<var> [units]` or `<var> (units)`; otherwise `defaultUnits` applies.
 */
export function readSiteObservationsCsv(
  path: string,
  variable: string,
  defaultUnits: string,
): SiteObservations {
  let textData: string;
  try {
    textData = readFileSync(path, 'utf8');
  } catch (err) {
    throw new FileAccessError(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      { cause: err },
    );
  }
  const lines = textData.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new DataError(`${path}: empty CSV`);
  const header = lines[0].split(',').map((h) => h.trim());
  const iS = header.indexOf('station_id');
  const iT = header.indexOf('time');
  const iV = header.findIndex(
    (h) => h === variable || h.startsWith(`${variable} [`) || h.startsWith(`${variable} (`),
  );
  if (iS < 0 || iT < 0 || iV < 0)
    throw new NotFoundInFileError(
      `${path}: header must have columns station_id, time and ${variable}; has ${header.join(', ')}`,
    );
  const um = /[[(](.+)[\])]$/.exec(header[iV]);
  const units = um ? um[1].trim() : defaultUnits;
  const stationIndex = new Map<string, number>();
  const timeIndex = new Map<number, number>();
  const recs: { s: number; t: number; v: number }[] = [];
  for (let l = 1; l < lines.length; l++) {
    const f = lines[l].split(',');
    const sid = (f[iS] ?? '').trim();
    const ts = Date.parse((f[iT] ?? '').trim());
    if (!sid || !Number.isFinite(ts))
      throw new DataError(`${path}: line ${l + 1}: bad station_id or time '${lines[l]}'`);
    const raw = (f[iV] ?? '').trim();
    const v = raw === '' || raw.toLowerCase() === 'nan' || raw.toUpperCase() === 'NA' ? NaN : Number(raw);
    if (raw !== '' && !Number.isFinite(v) && !Number.isNaN(v))
      throw new DataError(`${path}: line ${l + 1}: column '${variable}' is not a number: '${raw}'`);
    if (Number.isNaN(v) && raw !== '' && !/^(nan|na)$/i.test(raw))
      throw new DataError(`${path}: line ${l + 1}: column '${variable}' is not a number: '${raw}'`);
    if (!stationIndex.has(sid)) stationIndex.set(sid, stationIndex.size);
    if (!timeIndex.has(ts / 1000)) timeIndex.set(ts / 1000, timeIndex.size);
    recs.push({ s: stationIndex.get(sid)!, t: ts / 1000, v });
  }
  const times = Float64Array.from([...timeIndex.keys()].sort((a, b) => a - b));
  const tPos = new Map<number, number>();
  times.forEach((t, i) => tPos.set(t, i));
  const S = stationIndex.size;
  const data = new Float32Array(times.length * S).fill(NaN);
  const filled = new Uint8Array(times.length * S);
  const ids = [...stationIndex.keys()];
  for (const r of recs) {
    const k = tPos.get(r.t)! * S + r.s;
    if (filled[k])
      throw new DataError(
        `${path}: station '${ids[r.s]}' has two rows for time ${new Date(r.t * 1000).toISOString()}`,
      );
    filled[k] = 1;
    data[k] = r.v;
  }
  return { source: path, variable, units, stationIds: ids, times, data };
}

/** Observations from a .csv or a NetCDF file (by extension). */
export async function readSiteObservations(
  path: string,
  variable: string,
  defaultUnits: string,
): Promise<SiteObservations> {
  return path.toLowerCase().endsWith('.csv')
    ? readSiteObservationsCsv(path, variable, defaultUnits)
    : readSiteObservationsNetcdf(path, variable);
}
