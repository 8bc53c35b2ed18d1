/**
 * A GRIB file as a NetCDF-like dataset, laid out as cfgrib lays it out: one variable per parameter and level
 * type (named by cfVarName: z, t, t2m, u10 …), with dimensions (number, time, step, <typeOfLevel>, latitude,
 * longitude | y, x | values) where an axis has more than one value, and scalar coordinates where it has one.
 * Control and perturbed members (cf, pf) share one `number` axis. Only the index is built at open; `read`
 * decodes just the fields a hyperslab touches.
 */
import { InvalidGribError, MismatchError } from '../contracts/errors.js';
import { decodeField } from '../grib/decode.js';
import {
  projectedPoints,
  reducedPoints,
  reducedToRegular,
  regularAxes,
  toRowMajor,
  gaussianRows,
} from '../grib/grid.js';
import { loadJpeg2000 } from '../grib/packing/jpeg2000.js';
import { levelAttrs } from '../grib/params.js';
import { scanFile } from '../grib/parse.js';
import { copyHyperslab } from './slice.js';
import { product, type NumericArray, type RawStore } from './store.js';
import type { Attributes, DimensionInfo, NcType, NetcdfFormat, VariableInfo } from './types.js';
import { FileSource } from '../grib/source.js';
import type { GribField, GribGrid } from '../grib/types.js';

export interface GribOpenOptions {
  /** Interpolate reduced Gaussian fields to the regular Gaussian grid (linear along each row); default false. */
  reducedToRegular?: boolean;
}

const CENTRES: Record<number, [string, string]> = {
  7: ['kwbc', 'US National Weather Service - NCEP'],
  34: ['rjtd', 'Japan Meteorological Agency'],
  54: ['cwao', 'Canadian Meteorological Service - Montreal'],
  74: ['egrr', 'U.K. Met Office - Exeter'],
  78: ['edzw', 'Offenbach (RSMC)'],
  80: ['cnmc', 'Rome (RSMC)'],
  85: ['lfpw', 'French Weather Service - Toulouse'],
  98: ['ecmf', 'European Centre for Medium-Range Weather Forecasts'],
};

interface GridLayout {
  dims: string[];
  shape: number[];
  /** Values in presentation order from a decoded field in storage order. */
  arrange(v: Float32Array): Float32Array;
}

interface DataVar {
  info: VariableInfo;
  /** Non-grid axes: values per axis (number, time, step, level — those with > 1 value). */
  axes: { kind: 'number' | 'time' | 'step' | 'level'; values: number[] }[];
  cell: Map<string, GribField>;
  grid: GridLayout;
}

/** Names handed out per base name: equal value sets share a name, different ones get _1, _2 … */
class Names {
  private readonly byKey = new Map<string, string>();
  private readonly used = new Set<string>();
  name(base: string, key: string): { name: string; fresh: boolean } {
    const k = `${base}\u0000${key}`;
    const hit = this.byKey.get(k);
    if (hit) return { name: hit, fresh: false };
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    this.byKey.set(k, name);
    return { name, fresh: true };
  }
  reserve(name: string): boolean {
    if (this.used.has(name)) return false;
    this.used.add(name);
    return true;
  }
}

function uniqueSorted(xs: number[], descending = false): number[] {
  const u = [...new Set(xs)].sort((a, b) => a - b);
  return descending ? u.reverse() : u;
}

export class GribStore implements RawStore {
  readonly format: NetcdfFormat;
  readonly dimensions: DimensionInfo[] = [];
  readonly variables: VariableInfo[] = [];
  readonly attrs: Attributes;
  readonly attrTypes: Record<string, NcType> = {};
  /** Every field of the file, in order (the index). */
  readonly fields: GribField[];
  private readonly coordData = new Map<string, NumericArray>();
  private readonly dataVars = new Map<string, DataVar>();
  private readonly names = new Names();
  private cache: { field: GribField; values: Float32Array } | undefined;

  private constructor(
    private readonly src: FileSource,
    private readonly options: GribOpenOptions,
  ) {
    this.fields = scanFile(src);
    const editions = new Set(this.fields.map((f) => f.edition));
    this.format = editions.size === 1 ? (editions.has(1) ? 'grib1' : 'grib2') : 'grib';
    const centres = new Set(this.fields.map((f) => f.centre));
    const centre = centres.size === 1 ? [...centres][0] : undefined;
    const c = centre !== undefined ? CENTRES[centre] : undefined;
    this.attrs = {
      ...(editions.size === 1 ? { GRIB_edition: [...editions][0] } : {}),
      ...(centre !== undefined ? { GRIB_centre: c ? c[0] : String(centre) } : {}),
      ...(c ? { GRIB_centreDescription: c[1], institution: c[1] } : {}),
      Conventions: 'CF-1.7',
      history: `read from GRIB (${this.fields.length} fields) by epp`,
    };
    this.build();
  }

  static async open(path: string, options: GribOpenOptions = {}): Promise<GribStore> {
    const src = new FileSource(path);
    try {
      const store = new GribStore(src, options);
      if (store.fields.some((f) => f.data.template === 40)) await loadJpeg2000();
      return store;
    } catch (err) {
      src.close();
      throw err;
    }
  }

  get path(): string {
    return this.src.path;
  }

  private addDim(name: string, size: number): void {
    this.dimensions.push({ name, size, unlimited: false });
  }

  private addCoord(name: string, dtype: NcType, dims: string[], data: NumericArray, attrs: Attributes): void {
    this.variables.push({
      name,
      dtype,
      dims,
      shape: dims.map((d) => this.dimensions.find((x) => x.name === d)!.size),
      attrs,
    });
    this.coordData.set(name, data);
  }

  /** A 1-D axis (or a scalar when it has one value), shared by every variable with the same values. */
  private axis(
    base: string,
    values: number[],
    dtype: NcType,
    attrs: Attributes,
  ): { name: string; scalar: boolean } {
    const scalar = values.length === 1;
    const { name, fresh } = this.names.name(base, `${scalar ? 's' : 'd'}${JSON.stringify(values)}`);
    if (fresh) {
      const data = dtype === 'int' ? Int32Array.from(values) : Float64Array.from(values);
      if (scalar) this.addCoord(name, dtype, [], data, attrs);
      else {
        this.addDim(name, values.length);
        this.addCoord(name, dtype, [name], data, attrs);
      }
    }
    return { name, scalar };
  }

  private gridLayout(g: GribGrid): GridLayout & { names: string[]; mapping?: string } {
    const regular = this.options.reducedToRegular && g.type === 'reduced_gg';
    const key = `${g.key}|${regular ? 'r' : ''}`;
    if (g.type === 'regular_ll' || g.type === 'regular_gg' || regular) {
      const lat = g.type === 'reduced_gg' ? gaussianRows(g) : regularAxes(g).lat;
      const nlon = regular ? Math.max(...g.pl!) : g.nx;
      const lon = regular
        ? Float64Array.from({ length: nlon }, (_, i) => g.lon1 + (i * 360) / nlon)
        : regularAxes(g).lon;
      const y = this.names.name('latitude', key);
      const x = this.names.name('longitude', key);
      if (y.fresh) {
        this.addDim(y.name, lat.length);
        this.addCoord(y.name, 'double', [y.name], lat, {
          units: 'degrees_north',
          standard_name: 'latitude',
          long_name: 'latitude',
        });
      }
      if (x.fresh) {
        this.addDim(x.name, lon.length);
        this.addCoord(x.name, 'double', [x.name], lon, {
          units: 'degrees_east',
          standard_name: 'longitude',
          long_name: 'longitude',
        });
      }
      return {
        names: [y.name, x.name],
        dims: [y.name, x.name],
        shape: [lat.length, lon.length],
        arrange: (v) => (regular ? reducedToRegular(g, v, nlon) : toRowMajor(g, v)),
      };
    }
    if (g.type === 'reduced_gg') {
      const d = this.names.name('values', key);
      if (d.fresh) {
        const p = reducedPoints(g);
        this.addDim(d.name, g.numberOfPoints);
        const lat = this.names.name('latitude', key).name;
        const lon = this.names.name('longitude', key).name;
        this.addCoord(lat, 'double', [d.name], p.lat, {
          units: 'degrees_north',
          standard_name: 'latitude',
          long_name: 'latitude',
        });
        this.addCoord(lon, 'double', [d.name], p.lon, {
          units: 'degrees_east',
          standard_name: 'longitude',
          long_name: 'longitude',
        });
      }
      return { names: [d.name], dims: [d.name], shape: [g.numberOfPoints], arrange: (v) => v };
    }
    // Projected: x/y in metres, 2-D latitude/longitude, and a CF grid_mapping variable with the parameters.
    const y = this.names.name('y', key);
    const x = this.names.name('x', key);
    const mapBase = g.type === 'lambert' ? 'lambert_conformal' : 'polar_stereographic';
    const mapping = this.names.name(mapBase, key).name;
    if (y.fresh) {
      const p = projectedPoints(g);
      this.addDim(y.name, g.ny);
      this.addDim(x.name, g.nx);
      this.addCoord(y.name, 'double', [y.name], p.y, {
        units: 'm',
        standard_name: 'projection_y_coordinate',
        axis: 'Y',
      });
      this.addCoord(x.name, 'double', [x.name], p.x, {
        units: 'm',
        standard_name: 'projection_x_coordinate',
        axis: 'X',
      });
      const lat = this.names.name('latitude', key).name;
      const lon = this.names.name('longitude', key).name;
      this.addCoord(lat, 'double', [y.name, x.name], p.lat, {
        units: 'degrees_north',
        standard_name: 'latitude',
      });
      this.addCoord(lon, 'double', [y.name, x.name], p.lon, {
        units: 'degrees_east',
        standard_name: 'longitude',
      });
      const attrs: Attributes =
        g.type === 'lambert'
          ? {
              grid_mapping_name: 'lambert_conformal_conic',
              standard_parallel: [g.latin1!, g.latin2!],
              longitude_of_central_meridian: g.lov!,
              latitude_of_projection_origin: g.lad!,
              earth_radius: g.earthRadius,
            }
          : {
              grid_mapping_name: 'polar_stereographic',
              straight_vertical_longitude_from_pole: g.lov!,
              latitude_of_projection_origin: g.southPole ? -90 : 90,
              standard_parallel: g.lad!,
              earth_radius: g.earthRadius,
            };
      this.addCoord(mapping, 'int', [], Int32Array.of(0), attrs);
    }
    return {
      names: [y.name, x.name],
      dims: [y.name, x.name],
      shape: [g.ny, g.nx],
      arrange: (v) => toRowMajor(g, v),
      mapping,
    };
  }

  private build(): void {
    const groups = new Map<string, GribField[]>();
    for (const f of this.fields) {
      const k = `${f.param.cfVarName}|${f.typeOfLevel}|${f.stepType}|${f.grid.key}`;
      const list = groups.get(k);
      if (list) list.push(f);
      else groups.set(k, [f]);
    }
    // Variable names first, so that axes never take a parameter's name.
    const taken = new Map<string, string>();
    for (const [k, fs] of groups) {
      const f = fs[0];
      const base = f.param.cfVarName;
      let name = base;
      if (!this.names.reserve(name)) {
        name = `${base}_${f.typeOfLevel}`;
        for (let i = 1; !this.names.reserve(name); i++) name = `${base}_${f.typeOfLevel}_${i}`;
      }
      taken.set(k, name);
    }
    for (const [k, fs] of groups) this.addVariable(taken.get(k)!, fs);
  }

  private addVariable(name: string, fs: GribField[]): void {
    const f0 = fs[0];
    const axes: DataVar['axes'] = [];
    const coords: string[] = [];
    const dims: string[] = [];
    const hasNumber = fs.some((f) => f.number !== undefined);
    const numbers = hasNumber ? uniqueSorted(fs.map((f) => f.number ?? 0)) : [];
    const times = uniqueSorted(fs.map((f) => f.refTime));
    const steps = uniqueSorted(fs.map((f) => f.stepHours));
    const levels = uniqueSorted(
      fs.map((f) => f.level),
      f0.typeOfLevel === 'isobaricInhPa',
    );
    const use = (
      kind: DataVar['axes'][number]['kind'],
      a: { name: string; scalar: boolean },
      values: number[],
    ) => {
      coords.push(a.name);
      if (!a.scalar) {
        dims.push(a.name);
        axes.push({ kind, values });
      }
    };
    if (hasNumber)
      use(
        'number',
        this.axis('number', numbers, 'int', {
          long_name: 'ensemble member numerical id',
          units: '1',
          standard_name: 'realization',
        }),
        numbers,
      );
    const timeAttrs = { units: 'seconds since 1970-01-01T00:00:00', calendar: 'proleptic_gregorian' };
    const time = this.axis('time', times, 'double', {
      ...timeAttrs,
      long_name: 'initial time of forecast',
      standard_name: 'forecast_reference_time',
    });
    use('time', time, times);
    const step = this.axis('step', steps, 'double', {
      long_name: 'time since forecast_reference_time',
      units: 'hours',
      standard_name: 'forecast_period',
    });
    use('step', step, steps);
    use('level', this.axis(f0.typeOfLevel, levels, 'double', levelAttrs(f0.typeOfLevel)), levels);
    // valid_time = time + step over the time and step axes that are dimensions.
    const vt = this.names.name('valid_time', `${time.name}|${step.name}`);
    const vtDims = [time, step].filter((a) => !a.scalar).map((a) => a.name);
    if (vt.fresh) {
      const ts = time.scalar ? [times[0]] : times;
      const ss = step.scalar ? [steps[0]] : steps;
      const data = new Float64Array(ts.length * ss.length);
      for (let i = 0; i < ts.length; i++)
        for (let j = 0; j < ss.length; j++) data[i * ss.length + j] = ts[i] + ss[j] * 3600;
      this.addCoord(vt.name, 'double', vtDims, data, {
        ...timeAttrs,
        long_name: 'time',
        standard_name: 'time',
      });
    }
    for (const f of fs)
      if (f.grid.key !== f0.grid.key)
        throw new MismatchError(
          `${this.path}: messages ${f0.message} and ${f.message} of '${name}' are on different grids`,
        );
    const grid = this.gridLayout(f0.grid);
    coords.push(...grid.names, vt.name);
    const cell = new Map<string, GribField>();
    const index = axes.map((a) => new Map(a.values.map((v, i) => [v, i])));
    for (const f of fs) {
      const key = axes
        .map((a, i) => {
          const v =
            a.kind === 'number'
              ? (f.number ?? 0)
              : a.kind === 'time'
                ? f.refTime
                : a.kind === 'step'
                  ? f.stepHours
                  : f.level;
          return index[i].get(v);
        })
        .join(',');
      const prev = cell.get(key);
      if (prev)
        throw new MismatchError(
          `${this.path}: messages ${prev.message} and ${f.message} both hold '${name}' at the same number/time/step/level`,
        );
      cell.set(key, f);
    }
    const p = f0.param;
    const attrs: Attributes = {
      units: p.units,
      long_name: p.name,
      ...(p.standardName ? { standard_name: p.standardName } : {}),
      GRIB_shortName: p.shortName,
      GRIB_cfVarName: p.cfVarName,
      GRIB_name: p.name,
      GRIB_units: p.units,
      GRIB_parameter: p.code,
      GRIB_typeOfLevel: f0.typeOfLevel,
      GRIB_stepType: f0.stepType,
      GRIB_gridType: f0.grid.type,
      GRIB_numberOfPoints: f0.grid.numberOfPoints,
      ...(f0.grid.nx ? { GRIB_Nx: f0.grid.nx } : {}),
      GRIB_Ny: f0.grid.ny,
      ...(f0.totalNumber !== undefined ? { GRIB_totalNumber: f0.totalNumber } : {}),
      GRIB_dataType: [...new Set(fs.map((f) => f.dataType ?? 'unknown'))].join(','),
      ...(grid.mapping ? { grid_mapping: grid.mapping } : {}),
      coordinates: coords.join(' '),
    };
    // A hypercube mostly of holes (every message with its own member, time, step and level) would be
    // allocated whole by a full read: refuse one over 1 GiB of float32 that is not at least 1/16 filled.
    const cells = axes.reduce((n, a) => n * a.values.length, 1);
    const bytes = cells * product(grid.shape) * 4;
    if (bytes > 2 ** 30 && cells > 16 * fs.length)
      throw new InvalidGribError(
        `${this.path}: '${name}' would span ${cells} number/time/step/level combinations for ${fs.length} messages (${Math.round(bytes / 2 ** 20)} MiB, mostly missing): the file is not a gridded collection epp reads`,
      );
    const allDims = [...dims, ...grid.dims];
    const info: VariableInfo = {
      name,
      dtype: 'float',
      dims: allDims,
      shape: [...axes.map((a) => a.values.length), ...grid.shape],
      attrs,
    };
    this.variables.push(info);
    this.dataVars.set(name, { info, axes, cell, grid });
  }

  /** The decoded field in presentation order; the last one is kept (reads of one field in pieces). */
  private fieldValues(v: DataVar, f: GribField): Float32Array {
    if (this.cache?.field === f) return this.cache.values;
    const values = v.grid.arrange(decodeField(this.src, f));
    this.cache = { field: f, values };
    return values;
  }

  read(variable: VariableInfo, start: number[], count: number[]): NumericArray {
    const coord = this.coordData.get(variable.name);
    if (coord) {
      if (variable.dims.length === 0) return coord.slice();
      const out = new (coord.constructor as new (n: number) => NumericArray)(product(count));
      copyHyperslab(coord, variable.shape, start, count, out);
      return out;
    }
    const v = this.dataVars.get(variable.name)!;
    const na = v.axes.length;
    const gShape = v.grid.shape;
    const gStart = start.slice(na);
    const gCount = count.slice(na);
    const per = product(gCount);
    const combos = product(count.slice(0, na));
    const out = new Float32Array(combos * per);
    if (per === 0) return out;
    const idx = new Array<number>(na).fill(0);
    for (let c = 0; c < combos; c++) {
      const key = idx.map((i, a) => start[a] + i).join(',');
      const f = v.cell.get(key);
      if (!f) out.fill(NaN, c * per, (c + 1) * per);
      else copyHyperslab(this.fieldValues(v, f), gShape, gStart, gCount, out, c * per);
      for (let a = na - 1; a >= 0; a--) {
        if (++idx[a] < count[a]) break;
        idx[a] = 0;
      }
    }
    return out;
  }

  close(): void {
    this.src.close();
  }
}
