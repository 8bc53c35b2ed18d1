/**
 * Reading the model's fields out of an open NetCDF dataset, whatever the order of its dimensions:
 * a variable [step?, time?, member?, level?, lat, lon] → [k, ny, nx] or [ny, nx] Float32Arrays.
 * Errors name the file and list everything the model needs that the file lacks.
 */
import type { Dataset, DecodedVariable, VariableInfo } from '../../netcdf/types.js';
import { MismatchError, NotFoundInFileError } from '../../contracts/errors.js';

const LEVEL_NAMES = ['level', 'isobaricInhPa', 'pressure', 'plev', 'air_pressure'];
const LAT_NAMES = ['latitude', 'lat'];
const LON_NAMES = ['longitude', 'lon'];

export interface FileGrid {
  latitudes: number[];
  longitudes: number[];
  latName: string;
  lonName: string;
}

function firstPresent(ds: Dataset, names: string[]): string | null {
  return names.find((n) => ds.hasVariable(n) || ds.dimensions.some((d) => d.name === n)) ?? null;
}

export function readGrid(ds: Dataset): FileGrid {
  const latName = firstPresent(ds, LAT_NAMES);
  const lonName = firstPresent(ds, LON_NAMES);
  if (!latName || !lonName || !ds.hasVariable(latName) || !ds.hasVariable(lonName))
    throw new NotFoundInFileError(
      `${ds.path}: no latitude/longitude coordinates (the model needs a lat–lon grid)`,
    );
  return {
    latName,
    lonName,
    latitudes: Array.from(ds.readVariable(latName).data),
    longitudes: Array.from(ds.readVariable(lonName).data),
  };
}

/** Pressure levels of the file (hPa), or [] when there is no level axis. */
export function readLevels(ds: Dataset): { name: string | null; values: number[] } {
  const name = firstPresent(ds, LEVEL_NAMES);
  if (!name || !ds.hasVariable(name)) return { name, values: [] };
  const raw = Array.from(ds.readVariable(name).data);
  const units = String(ds.variable(name).attrs.units ?? '');
  return { name, values: /^Pa$/i.test(units) ? raw.map((v) => v / 100) : raw };
}

/** Lead times (hours) of a `step` axis, or null when the file has none. */
export function readSteps(ds: Dataset): number[] | null {
  if (!ds.hasVariable('step')) return null;
  const v = ds.variable('step');
  const raw = Array.from(ds.readVariable('step').data);
  const units = String(v.attrs.units ?? 'hours').toLowerCase();
  const f = units.startsWith('s')
    ? 1 / 3600
    : units.startsWith('m')
      ? 1 / 60
      : units.startsWith('d')
        ? 24
        : 1;
  return raw.map((x) => Math.round(x * f * 1000) / 1000);
}

/** Field extractor over one decoded variable: picks indices along named axes, returns [ny · nx] per pick. */
export class VariableReader {
  private readonly strides: number[];
  private readonly latAxis: number;
  private readonly lonAxis: number;
  readonly ny: number;
  readonly nx: number;

  constructor(
    readonly v: DecodedVariable,
    grid: FileGrid,
    private readonly file: string,
  ) {
    this.strides = v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    this.latAxis = v.dims.indexOf(grid.latName);
    this.lonAxis = v.dims.indexOf(grid.lonName);
    if (this.latAxis < 0 || this.lonAxis !== v.dims.length - 1 || this.latAxis !== v.dims.length - 2)
      throw new MismatchError(
        `${file}: variable ${v.name} must end with (${grid.latName}, ${grid.lonName}) dims`,
      );
    this.ny = v.shape[this.latAxis];
    this.nx = v.shape[this.lonAxis];
  }

  /** Index of `dim` or -1. */
  axis(dim: string | null): number {
    return dim ? this.v.dims.indexOf(dim) : -1;
  }

  /** One [ny, nx] field at the given indices; axes not named must have length 1. */
  field(at: Record<string, number>): Float32Array {
    let offset = 0;
    this.v.dims.forEach((d, i) => {
      if (i >= this.latAxis) return;
      const idx = at[d] ?? 0;
      if (at[d] === undefined && this.v.shape[i] !== 1)
        throw new MismatchError(`${this.file}: variable ${this.v.name} has an unexpected dimension ${d}`);
      offset += idx * this.strides[i];
    });
    const n = this.ny * this.nx;
    return Float32Array.from(this.v.data.subarray(offset, offset + n));
  }
}

/**
 * VariableReader's field(at) by hyperslab: each [ny, nx] field is read on its own, so the whole variable
 * (e.g. all 51 members × every step of a 0.25° file, 1.2 GB per variable) is never decoded at once.
 */
export class SlabReader {
  readonly v: VariableInfo;
  private readonly latAxis: number;
  readonly ny: number;
  readonly nx: number;

  constructor(
    private readonly ds: Dataset,
    name: string,
    grid: FileGrid,
  ) {
    this.v = ds.variable(name);
    const dims = this.v.dims;
    this.latAxis = dims.indexOf(grid.latName);
    if (
      this.latAxis < 0 ||
      dims.indexOf(grid.lonName) !== dims.length - 1 ||
      this.latAxis !== dims.length - 2
    )
      throw new MismatchError(
        `${ds.path}: variable ${name} must end with (${grid.latName}, ${grid.lonName}) dims`,
      );
    this.ny = this.v.shape[this.latAxis];
    this.nx = this.v.shape[this.latAxis + 1];
  }

  /** Index of `dim` or -1. */
  axis(dim: string | null): number {
    return dim ? this.v.dims.indexOf(dim) : -1;
  }

  /** One [ny, nx] field at the given indices; axes not named must have length 1. */
  field(at: Record<string, number>): Float32Array {
    const start = this.v.dims.map((d, i) => {
      if (i >= this.latAxis) return 0;
      if (at[d] === undefined && this.v.shape[i] !== 1)
        throw new MismatchError(`${this.ds.path}: variable ${this.v.name} has an unexpected dimension ${d}`);
      return at[d] ?? 0;
    });
    const count = this.v.shape.map((n, i) => (i >= this.latAxis ? n : 1));
    const data = this.ds.readVariable(this.v.name, { start, count }).data;
    return data instanceof Float32Array ? data : Float32Array.from(data);
  }
}

/** Throw one NotFoundInFileError listing every missing name, or return silently. */
export function requireAll(file: string, what: string, missing: string[], available: string[]): void {
  if (missing.length)
    throw new NotFoundInFileError(
      `${file}: the model needs ${what} ${missing.join(', ')} which the file lacks (it has: ${available.join(', ') || 'none'})`,
    );
}
