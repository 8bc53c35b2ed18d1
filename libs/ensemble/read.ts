/**
 * Ensemble fields from NetCDF: one EnsembleField [member, y, x] (or Field2D [y, x]) per combination of the
 * variable's remaining dimensions. Member, level, y and x dimensions are recognised; every other dimension
 * (time, step, …) is iterated. Times come from CF coordinates by standard_name: forecast_reference_time
 * (init), forecast_period / `step` (lead), time / valid_time (valid); valid = init + lead when no valid-time
 * coordinate exists. Works for ERA5 (time, number, level, latitude, longitude), MOGREPS-UK (realization, y, x
 * with scalar time coordinates) and cfgrib-style (step, number, level, latitude, longitude) files.
 */
import { NotFoundInFileError } from '../contracts/errors.js';
import { openDataset } from '../netcdf/open.js';
import { durationSeconds, parseTimeUnits, toEpochSeconds } from '../netcdf/time.js';
import type { Dataset, VariableInfo } from '../netcdf/types.js';
import { detectGrid } from './grid.js';
import type { EnsembleField, Field2D, FieldMeta, Grid } from './types.js';

export interface ReadEnsembleOptions {
  variable: string;
  /** Pressure level in hPa (required to pick one level; otherwise every level is returned). */
  level?: number;
  /** Keep only fields with this lead time (hours). */
  leadHours?: number;
  /** Keep only fields valid at this time (epoch seconds). */
  time?: number;
  /** 1-based member positions along the member axis, e.g. [1, 2, 3, 4, 5]; default all. */
  members?: number[];
}

export type ReadFieldOptions = Omit<ReadEnsembleOptions, 'members'>;

const LEVEL_NAMES = ['level', 'isobaricInhPa', 'pressure', 'plev', 'pressure_level', 'air_pressure'];

/** A per-combination coordinate: a variable whose dims are all iterated dims (or none: a scalar). */
interface Coord {
  values: Float64Array;
  dims: string[];
}

interface Layout {
  ds: Dataset;
  v: VariableInfo;
  grid: Grid;
  memberDim?: string;
  memberIds: number[];
  memberIdx: number[];
  levelDim?: string;
  levels: number[];
  levelIdx: number[];
  iterDims: string[];
  init?: Coord;
  lead?: Coord;
  valid?: Coord;
  /** Bounds of the valid time ([..., 2], epoch seconds) when the time coordinate has `bounds`. */
  validBounds?: Coord;
  /** Height (m) of a scalar `height` coordinate. */
  height?: number;
  units: string;
}

function findCoord(
  ds: Dataset,
  test: (v: VariableInfo) => boolean,
  iterDims: string[],
): VariableInfo | undefined {
  return ds.variables.find((v) => test(v) && v.dims.every((d) => iterDims.includes(d)));
}

function timeCoord(ds: Dataset, v: VariableInfo | undefined): Coord | undefined {
  return v && { values: ds.readTime(v.name), dims: v.dims };
}

function leadCoord(ds: Dataset, v: VariableInfo | undefined): Coord | undefined {
  if (!v) return undefined;
  const scale = durationSeconds(String(v.attrs.units ?? 'hours')) ?? 3600;
  const raw = ds.readVariable(v.name).data;
  return { values: Float64Array.from(raw, (x) => (x * scale) / 3600), dims: v.dims };
}

/** Bounds of a CF time coordinate in epoch seconds (bounds inherit the coordinate's units, CF-1.8 §7.1). */
function boundsCoord(ds: Dataset, v: VariableInfo | undefined): Coord | undefined {
  const name = v?.attrs.bounds;
  if (!v || typeof name !== 'string' || !ds.hasVariable(name)) return undefined;
  const b = ds.variable(name);
  if (b.dims.length !== v.dims.length + 1 || b.shape[b.shape.length - 1] !== 2) return undefined;
  const u = parseTimeUnits(String(v.attrs.units ?? ''), v.attrs.calendar as string | undefined, name);
  return { values: toEpochSeconds(ds.readRaw(name).data as ArrayLike<number>, u), dims: v.dims };
}

/** Value of a scalar `height` coordinate (standard_name height) in metres, when the file has one. */
export function scalarHeight(ds: Dataset): number | undefined {
  const h = ds.variables.find((x) => x.dims.length === 0 && x.attrs.standard_name === 'height');
  if (!h) return undefined;
  const value = ds.readVariable(h.name).data[0];
  const units = String(h.attrs.units ?? 'm');
  return Number.isFinite(value) ? (units === 'km' ? value * 1000 : value) : undefined;
}

function levelInHpa(ds: Dataset, name: string): number[] {
  const v = ds.variable(name);
  const units = String(v.attrs.units ?? 'hPa').toLowerCase();
  const scale = units === 'pa' ? 0.01 : units === 'kpa' ? 10 : 1;
  return Array.from(ds.readVariable(name).data, (x) => x * scale);
}

function isLevel(ds: Dataset, name: string): boolean {
  if (LEVEL_NAMES.includes(name)) return true;
  return ds.hasVariable(name) && ds.variable(name).attrs.standard_name === 'air_pressure';
}

function plan(ds: Dataset, opts: ReadEnsembleOptions, wantMembers: boolean): Layout {
  const v = ds.variable(opts.variable);
  const grid = detectGrid(ds, v);
  const axis = ds.memberAxis();
  const memberDim = axis && v.dims.includes(axis.name) ? axis.name : undefined;
  const nMembers = memberDim ? v.shape[v.dims.indexOf(memberDim)] : 1;
  const memberIds =
    memberDim && ds.hasVariable(memberDim)
      ? Array.from(ds.readVariable(memberDim).data)
      : Array.from({ length: nMembers }, (_, i) => i);
  const positions = wantMembers && opts.members ? opts.members : memberIds.map((_, i) => i + 1);
  const bad = positions.filter((p) => !Number.isInteger(p) || p < 1 || p > nMembers);
  if (bad.length)
    throw new NotFoundInFileError(
      `${ds.path}: member position(s) ${bad.join(', ')} not in 1..${nMembers} (${memberDim ?? 'no member axis'})`,
    );
  if (!wantMembers && nMembers > 1)
    throw new NotFoundInFileError(
      `${ds.path}: variable '${v.name}' has ${nMembers} members along '${memberDim}'; read it with readEnsemble`,
    );
  const levelDim = v.dims.find((d) => isLevel(ds, d));
  const levelVar = levelDim ?? ds.variables.find((x) => x.dims.length === 0 && isLevel(ds, x.name))?.name;
  const allLevels = levelVar ? levelInHpa(ds, levelVar) : [];
  let levelIdx = allLevels.map((_, i) => i);
  if (opts.level !== undefined) {
    const i = allLevels.findIndex((l) => Math.abs(l - opts.level!) < 1e-6);
    if (i < 0)
      throw new NotFoundInFileError(
        `${ds.path}: variable '${v.name}' has no level ${opts.level} hPa; levels: ${allLevels.length ? allLevels.join(', ') : 'none'}`,
      );
    levelIdx = [i];
  }
  const iterDims = v.dims.filter(
    (d) => d !== memberDim && d !== levelDim && d !== grid.yName && d !== grid.xName,
  );
  const std = (x: VariableInfo) => String(x.attrs.standard_name ?? '');
  const initVar = findCoord(
    ds,
    (x) => std(x) === 'forecast_reference_time' || x.name === 'forecast_reference_time',
    iterDims,
  );
  const leadVar = findCoord(
    ds,
    (x) => std(x) === 'forecast_period' || x.name === 'step' || x.name === 'forecast_period',
    iterDims,
  );
  const validVar =
    findCoord(ds, (x) => x.name === 'valid_time', iterDims) ??
    findCoord(
      ds,
      (x) =>
        x !== initVar &&
        (std(x) === 'time' || x.name === 'time') &&
        typeof x.attrs.units === 'string' &&
        / since /.test(x.attrs.units),
      iterDims,
    );
  return {
    ds,
    v,
    grid,
    memberDim,
    memberIds,
    memberIdx: positions.map((p) => p - 1),
    levelDim,
    levels: allLevels,
    levelIdx,
    iterDims,
    init: timeCoord(ds, initVar),
    lead: leadCoord(ds, leadVar),
    valid: timeCoord(ds, validVar),
    validBounds: boundsCoord(ds, validVar),
    height: scalarHeight(ds),
    units: String(v.attrs.units ?? ''),
  };
}

/** Times of one combination of the iterated dimensions (no data read). */
export interface FieldTimes {
  /** Index on each iterated dimension (time, step, …). */
  index: Record<string, number>;
  /** Valid time (epoch seconds), NaN when the file gives none. */
  validTime: number;
  initTime?: number;
  leadHours?: number;
  timeBounds?: [number, number];
}

/** Valid/initialisation/lead times and time bounds of every iterated combination, in file order. */
export function fieldTimes(ds: Dataset, opts: Pick<ReadEnsembleOptions, 'variable' | 'level'>): FieldTimes[] {
  const l = plan(ds, opts, true);
  const sizes = Object.fromEntries(l.v.dims.map((d, i) => [d, l.v.shape[i]]));
  return [...combinations(l.iterDims, sizes)].map((iter) => {
    const t = timesAt(l, iter, sizes);
    return {
      index: iter,
      validTime: t.valid ?? NaN,
      ...(t.init !== undefined ? { initTime: t.init } : {}),
      ...(t.lead !== undefined ? { leadHours: t.lead } : {}),
      ...(t.timeBounds ? { timeBounds: t.timeBounds } : {}),
    };
  });
}

function* combinations(iterDims: string[], sizes: Record<string, number>): Generator<Record<string, number>> {
  const combos = iterDims.reduce((n, d) => n * sizes[d], 1);
  for (let c = 0; c < combos; c++) {
    const iter: Record<string, number> = {};
    let rest = c;
    for (let i = iterDims.length - 1; i >= 0; i--) {
      iter[iterDims[i]] = rest % sizes[iterDims[i]];
      rest = Math.floor(rest / sizes[iterDims[i]]);
    }
    yield iter;
  }
}

/** Initialisation, lead and valid time (valid = init + lead without a valid-time coordinate) and bounds. */
function timesAt(l: Layout, iter: Record<string, number>, sizes: Record<string, number>) {
  const init = at(l.init, iter, sizes);
  const lead = at(l.lead, iter, sizes);
  const valid =
    at(l.valid, iter, sizes) ?? (init !== undefined && lead !== undefined ? init + lead * 3600 : init);
  let timeBounds: [number, number] | undefined;
  if (l.validBounds) {
    let off = 0;
    for (const d of l.validBounds.dims) off = off * sizes[d] + iter[d];
    timeBounds = [l.validBounds.values[2 * off], l.validBounds.values[2 * off + 1]];
  }
  return { init, lead, valid, timeBounds };
}

/** Value of a per-combination coordinate at the iterated indices. */
function at(
  c: Coord | undefined,
  iter: Record<string, number>,
  sizes: Record<string, number>,
): number | undefined {
  if (!c) return undefined;
  let off = 0;
  for (const d of c.dims) off = off * sizes[d] + iter[d];
  return c.values[off];
}

interface Raw {
  data: Float32Array;
  timeBounds?: [number, number];
  members: number[];
  validTime: number;
  initTime?: number;
  leadHours?: number;
  level?: number;
}

function* fields(l: Layout, opts: ReadEnsembleOptions): Generator<Raw> {
  const { ds, v, grid } = l;
  const sizes = Object.fromEntries(v.dims.map((d, i) => [d, v.shape[i]]));
  const ny = sizes[grid.yName];
  const nx = sizes[grid.xName];
  const levelChoices = l.levelDim ? l.levelIdx : [-1];
  for (const iter of combinations(l.iterDims, sizes)) {
    const { init, lead, valid, timeBounds } = timesAt(l, iter, sizes);
    if (opts.leadHours !== undefined && (lead === undefined || Math.abs(lead - opts.leadHours) > 1e-9))
      continue;
    if (opts.time !== undefined && valid !== opts.time) continue;
    for (const li of levelChoices) {
      const m0 = Math.min(...l.memberIdx);
      const m1 = Math.max(...l.memberIdx);
      const start = v.dims.map((d) =>
        d === l.memberDim ? m0 : d === l.levelDim ? li : d === grid.yName || d === grid.xName ? 0 : iter[d],
      );
      const count = v.dims.map((d) =>
        d === l.memberDim ? m1 - m0 + 1 : d === grid.yName ? ny : d === grid.xName ? nx : 1,
      );
      const block = ds.readVariable(v.name, { start, count }).data;
      // Strides of the read block, then gather into member-major [member, y, x].
      const strides: Record<string, number> = {};
      let s = 1;
      for (let i = v.dims.length - 1; i >= 0; i--) {
        strides[v.dims[i]] = s;
        s *= count[i];
      }
      const sm = l.memberDim ? strides[l.memberDim] : 0;
      const sy = strides[grid.yName];
      const sx = strides[grid.xName];
      const out = new Float32Array(l.memberIdx.length * ny * nx);
      let o = 0;
      for (const m of l.memberIdx) {
        const mb = (m - m0) * sm;
        for (let y = 0; y < ny; y++) {
          const yb = mb + y * sy;
          if (sx === 1) {
            out.set(block.subarray(yb, yb + nx), o);
            o += nx;
          } else for (let x = 0; x < nx; x++) out[o++] = block[yb + x * sx];
        }
      }
      const level = li >= 0 ? l.levels[li] : l.levels.length === 1 ? l.levels[0] : undefined;
      if (valid === undefined)
        throw new NotFoundInFileError(
          `${ds.path}: variable '${v.name}' has no time coordinate (time, valid_time or forecast_reference_time)`,
        );
      yield {
        data: out,
        members: l.memberIdx.map((m) => l.memberIds[m]),
        validTime: valid,
        initTime: init,
        leadHours: lead,
        level,
        ...(timeBounds ? { timeBounds } : {}),
      };
    }
  }
}

async function withDataset<T>(src: string | Dataset, fn: (ds: Dataset) => T): Promise<T> {
  if (typeof src !== 'string') return fn(src);
  const ds = await openDataset(src);
  try {
    return fn(ds);
  } finally {
    ds.close();
  }
}

/** Ensemble fields [member, y, x] of one variable, one per remaining time/step (and level) combination. */
export async function readEnsemble(
  src: string | Dataset,
  opts: ReadEnsembleOptions,
): Promise<EnsembleField[]> {
  return withDataset(src, (ds) => {
    const l = plan(ds, opts, true);
    return [...fields(l, opts)].map((f) => ({
      ...fieldBase(l, f, ds.path),
      members: f.members,
      ...(f.initTime !== undefined ? { initTime: f.initTime } : {}),
      ...(f.leadHours !== undefined ? { leadHours: f.leadHours } : {}),
    }));
  });
}

/** Deterministic fields [y, x] (truth, analysis) of one variable, one per remaining time (and level). */
export async function readField(src: string | Dataset, opts: ReadFieldOptions): Promise<Field2D[]> {
  return withDataset(src, (ds) => {
    const l = plan(ds, opts, false);
    return [...fields(l, opts)].map((f) => fieldBase(l, f, ds.path));
  });
}

/** What an ensemble field and a deterministic field share: variable, units, data, grid, valid time, level. */
function fieldBase(l: Layout, f: Raw, source: string): Field2D {
  const std = l.v.attrs.standard_name;
  const meta: FieldMeta = {
    ...(typeof std === 'string' && std ? { standardName: std } : {}),
    ...(l.height !== undefined ? { height: l.height } : {}),
    ...(f.timeBounds ? { timeBounds: f.timeBounds } : {}),
  };
  return {
    ...meta,
    variable: l.v.name,
    units: l.units,
    data: f.data,
    ny: l.v.shape[l.v.dims.indexOf(l.grid.yName)],
    nx: l.v.shape[l.v.dims.indexOf(l.grid.xName)],
    grid: l.grid,
    validTime: f.validTime,
    ...(f.level !== undefined ? { level: f.level } : {}),
    source,
  };
}
