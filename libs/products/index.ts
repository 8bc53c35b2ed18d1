/**
 * The one product writer: the products of a forecast (raw ensemble, EMOS or the mixed model) as a CF-1.8
 * FileSpec with IMPROVER names (DESIGN §3; IMPROVER's metadata conventions, improver.readthedocs.io
 * "About IMPROVER metadata"). Every writer — the service job, the batch, `epp postprocess`, `epp emos apply` —
 * goes through {@link productFileSpec}, so a product looks the same whoever made it.
 *
 * Names, for a diagnostic `<name>` (the input's standard_name, else its variable name):
 * - `<name>_mean`, `<name>_std`: standard_name `<name>`, cell_methods and long_name saying what produced them;
 * - `<name>(percentile, …)`: percentiles (%) of the forecast distribution;
 * - `probability_of_<name>_above_threshold(threshold, …)` and `…_below_threshold`: the `threshold` coordinate
 *   carries `spp__relative_to_threshold` (greater_than, as IMPROVER), each probability variable its own;
 * - `<name>(realization, …)` members (`<name>_realizations` when the percentiles are in the same file).
 * Coordinates of the input are kept: the grid-mapping variable and projected x/y (standard names), 2-D
 * latitude/longitude auxiliaries of a projected grid, time (+ bounds), forecast_reference_time,
 * forecast_period, height or pressure. Layouts: `cf` has a `time` dimension (any number of times);
 * `improver` is IMPROVER's one-time shape with scalar time coordinates.
 *
 * Site forecasts (libs/sites) can reuse {@link productNames} and {@link methodLabel} for the same names/labels.
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import type { ProductInfo } from '../contracts/jobs.js';
import type { Grid } from '../ensemble/types.js';
import type { Attributes, FileSpec, VariableSpec } from '../netcdf/types.js';

export type ProductMethod = 'raw' | 'emos' | 'mixed';
export type ProductLayout = 'cf' | 'improver';
export const PRODUCT_LAYOUTS: readonly ProductLayout[] = ['cf', 'improver'];
export type ProductKind = 'mean' | 'std' | 'percentiles' | 'probabilities' | 'realizations';

/** The products at one valid time; arrays are float32 [.., y, x] over the input grid. */
export interface ProductTime {
  /** Valid time, epoch seconds (NaN when the input has none). */
  validTime: number;
  initTime?: number;
  leadHours?: number;
  timeBounds?: [number, number];
  mean: Float32Array;
  std: Float32Array;
  /** [percentile, y, x]. */
  percentiles?: Float32Array;
  /** P(x > threshold), [threshold, y, x]. */
  above?: Float32Array;
  /** P(x < threshold), [threshold, y, x]. */
  below?: Float32Array;
  /** [realization, y, x]. */
  realizations?: Float32Array;
}

export interface ProductInput {
  /** The input's variable name (e.g. `t`) and its CF standard_name when known (`air_temperature`). */
  variable: string;
  standardName?: string;
  units: string;
  /** Pressure level (hPa) or height (m) of the diagnostic. */
  level?: number;
  height?: number;
  grid: Grid;
  method: ProductMethod;
  /** Distribution of a calibrated forecast (`norm`, `truncnorm`); the raw ensemble has none. */
  distribution?: string;
  /** Which products to write (each present in `times` when listed). */
  products: ProductKind[];
  percentiles?: number[];
  thresholds?: number[];
  realizationIds?: number[];
  times: ProductTime[];
  layout: ProductLayout;
  /** Input file name (no folders) for `source`/`title`. */
  inputName: string;
  /** `history` line; a fixed-width ISO timestamp first keeps files comparable byte for byte. */
  history: string;
  /** Written as `epp_<key>` global attributes in this order (method, members, model, checksums, …). */
  provenance: Record<string, string | number>;
  institution?: string;
}

/** Variable names of each product for a diagnostic name. */
export function productNames(name: string, withPercentiles = true): Record<ProductKind | 'below', string> {
  return {
    mean: `${name}_mean`,
    std: `${name}_std`,
    percentiles: name,
    probabilities: `probability_of_${name}_above_threshold`,
    below: `probability_of_${name}_below_threshold`,
    realizations: withPercentiles ? `${name}_realizations` : name,
  };
}

/** What produced a product, in words (long_name, cell_methods comment, title); `drn` is the site network. */
export function methodLabel(method: ProductMethod | 'drn', distribution?: string, members?: number): string {
  if (method === 'raw') return `raw ensemble${members ? ` of ${members} members` : ''}`;
  if (method === 'emos') return `EMOS-calibrated ${distribution ?? 'norm'} distribution`;
  if (method === 'drn')
    return `distributional regression network (DRN) ${distribution ?? 'norm'} distribution`;
  return `mixed-model (deep post-processing) ${distribution ?? 'norm'} distribution`;
}

/** What every product's attributes are built from: the diagnostic name, the method label, units. */
export interface ProductLabel {
  name: string;
  label: string;
  units: string;
  standardName?: string;
  /** The raw ensemble: cell_methods without a comment. */
  raw?: boolean;
}

const stdNameAttr = (l: ProductLabel): Attributes =>
  l.standardName ? { standard_name: l.standardName } : {};

/** Attributes of `<name>_mean` / `<name>_std` (cell_methods as IMPROVER writes them, CF-1.8 §7.3). */
export function statisticAttrs(kind: 'mean' | 'std', l: ProductLabel): Attributes {
  const [what, method] = kind === 'mean' ? ['mean', 'mean'] : ['standard deviation', 'standard_deviation'];
  return {
    ...stdNameAttr(l),
    long_name: `${l.name} ${what} of the ${l.label}`,
    cell_methods: l.raw ? `realization: ${method}` : `realization: ${method} (comment: ${l.label})`,
    units: l.units,
  };
}

/** Attributes of `<name>(percentile, …)`. */
export function percentileAttrs(l: ProductLabel): Attributes {
  return { ...stdNameAttr(l), long_name: `${l.name} percentiles of the ${l.label}`, units: l.units };
}

/** Attributes of the `threshold` coordinate (IMPROVER's: units, long_name, spp__relative_to_threshold). */
export function thresholdAttrs(l: Pick<ProductLabel, 'name' | 'units'>): Attributes {
  return { units: l.units, long_name: l.name, spp__relative_to_threshold: 'greater_than' };
}

/** Variable name and attributes of `probability_of_<name>_above|below_threshold`. */
export function probabilityProduct(
  side: 'above' | 'below',
  l: Pick<ProductLabel, 'name' | 'label'>,
): { name: string; attrs: Attributes } {
  const names = productNames(l.name);
  const name = side === 'above' ? names.probabilities : names.below;
  return {
    name,
    attrs: {
      long_name: name,
      comment: `P(${l.name} ${side === 'above' ? '>' : '<'} threshold) from the ${l.label}`,
      spp__relative_to_threshold: side === 'above' ? 'greater_than' : 'less_than',
      units: '1',
    },
  };
}

/** The mandatory global attributes (CF-1.8 §2.6.2) and the provenance as `epp_<key>`, in that order. */
export function globalAttrs(o: {
  title: string;
  source: string;
  institution?: string;
  history: string;
  provenance: Record<string, string | number>;
  extra?: Attributes;
}): Attributes {
  const attrs: Attributes = {
    Conventions: 'CF-1.8',
    ...(o.extra ?? {}),
    title: o.title,
    source: o.source,
    institution: o.institution ?? 'epp ensemble post-processing service',
    history: o.history,
  };
  for (const [k, v] of Object.entries(o.provenance)) attrs[`epp_${k}`] = v;
  return attrs;
}

/** Diagnostic name of an input: its standard_name, else its variable name. */
export function diagnosticName(input: Pick<ProductInput, 'variable' | 'standardName'>): string {
  return input.standardName || input.variable;
}

const TIME_UNITS = 'seconds since 1970-01-01 00:00:00';
const timeAttrs = (std: string) => ({ units: TIME_UNITS, standard_name: std, calendar: 'standard' });

/** One value per time, or undefined when any time lacks it. */
function perTime(times: ProductTime[], f: (t: ProductTime) => number | undefined): number[] | undefined {
  const v = times.map(f);
  return v.every((x) => x !== undefined && Number.isFinite(x)) ? (v as number[]) : undefined;
}

function stack(
  times: ProductTime[],
  f: (t: ProductTime) => Float32Array | undefined,
  n: number,
): Float32Array {
  const out = new Float32Array(times.length * n);
  times.forEach((t, i) => {
    const a = f(t);
    if (!a || a.length !== n)
      throw new InvalidArgumentError(`product data at time ${i} has ${a?.length ?? 0} values, expected ${n}`);
    out.set(a, i * n);
  });
  return out;
}

/** The products as a CF FileSpec, and the product list recorded in result.json. */
export function productFileSpec(input: ProductInput): { spec: FileSpec; products: ProductInfo[] } {
  const { grid, times, layout } = input;
  if (!times.length) throw new InvalidArgumentError('products: no valid time to write');
  if (layout === 'improver' && times.length !== 1)
    throw new InvalidArgumentError(
      `layout improver holds one time; ${times.length} times were selected (use layout cf)`,
    );
  const name = diagnosticName(input);
  const ny = grid.y.length;
  const nx = grid.x.length;
  const n = ny * nx;
  const latlon = grid.kind === 'latlon';
  const yDim = grid.yName;
  const xDim = grid.xName;
  const cf = layout === 'cf';
  const dims: FileSpec['dimensions'] = [];
  if (cf) dims.push({ name: 'time', size: times.length });
  dims.push({ name: yDim, size: ny }, { name: xDim, size: nx });
  const vars: VariableSpec[] = [
    {
      name: yDim,
      dtype: 'double',
      dims: [yDim],
      data: grid.y,
      attrs: latlon
        ? { axis: 'Y', units: 'degrees_north', standard_name: 'latitude' }
        : { axis: 'Y', units: 'm', standard_name: 'projection_y_coordinate' },
    },
    {
      name: xDim,
      dtype: 'double',
      dims: [xDim],
      data: grid.x,
      attrs: latlon
        ? { axis: 'X', units: 'degrees_east', standard_name: 'longitude' }
        : { axis: 'X', units: 'm', standard_name: 'projection_x_coordinate' },
    },
  ];
  const coordNames: string[] = [];
  const gm = grid.gridMapping;
  if (gm) vars.push({ name: gm.name, dtype: 'int', dims: [], data: [0], attrs: { ...gm.attrs } });
  const finiteLatLon =
    !latlon &&
    grid.latitude.length === n &&
    grid.latitude.every(Number.isFinite) &&
    grid.longitude.every(Number.isFinite);
  if (finiteLatLon) {
    vars.push(
      {
        name: 'latitude',
        dtype: 'double',
        dims: [yDim, xDim],
        data: grid.latitude,
        attrs: { units: 'degrees_north', standard_name: 'latitude' },
      },
      {
        name: 'longitude',
        dtype: 'double',
        dims: [yDim, xDim],
        data: grid.longitude,
        attrs: { units: 'degrees_east', standard_name: 'longitude' },
      },
    );
    coordNames.push('latitude', 'longitude');
  }
  const tDims = cf ? ['time'] : [];
  const valid = times.map((t) => t.validTime);
  if (valid.every(Number.isFinite)) {
    const bounds = times.every((t) => t.timeBounds) ? times.map((t) => t.timeBounds!) : undefined;
    vars.push({
      name: 'time',
      dtype: 'double',
      dims: tDims,
      data: valid,
      attrs: { ...timeAttrs('time'), ...(bounds ? { bounds: 'time_bnds' } : {}) },
    });
    if (bounds) {
      dims.push({ name: 'bnds', size: 2 });
      vars.push({ name: 'time_bnds', dtype: 'double', dims: [...tDims, 'bnds'], data: bounds.flat() });
    }
    if (!cf) coordNames.push('time');
  }
  const init = perTime(times, (t) => t.initTime);
  if (init) {
    const one = init.every((x) => x === init[0]);
    vars.push({
      name: 'forecast_reference_time',
      dtype: 'double',
      dims: one ? [] : tDims,
      data: one ? [init[0]] : init,
      attrs: timeAttrs('forecast_reference_time'),
    });
    coordNames.push('forecast_reference_time');
  }
  const lead = perTime(times, (t) => t.leadHours);
  if (lead) {
    vars.push({
      name: 'forecast_period',
      dtype: 'int',
      dims: tDims,
      data: lead.map((h) => Math.round(h * 3600)),
      attrs: { units: 'seconds', standard_name: 'forecast_period' },
    });
    coordNames.push('forecast_period');
  }
  if (input.height !== undefined) {
    vars.push({
      name: 'height',
      dtype: 'float',
      dims: [],
      data: [input.height],
      attrs: { units: 'm', standard_name: 'height', positive: 'up' },
    });
    coordNames.push('height');
  }
  if (input.level !== undefined) {
    vars.push({
      name: 'pressure',
      dtype: 'float',
      dims: [],
      data: [input.level],
      attrs: { units: 'hPa', standard_name: 'air_pressure', positive: 'down' },
    });
    coordNames.push('pressure');
  }
  const coordinates = coordNames.sort().join(' ');
  const members = input.realizationIds?.length;
  const label = methodLabel(input.method, input.distribution, input.method === 'raw' ? members : undefined);
  const stdName: Attributes = input.standardName ? { standard_name: input.standardName } : {};
  const lab: ProductLabel = {
    name,
    label,
    units: input.units,
    standardName: input.standardName,
    raw: input.method === 'raw',
  };
  const common = (a: Attributes): Attributes => ({
    ...a,
    _FillValue: NaN,
    ...(gm ? { grid_mapping: gm.name } : {}),
    ...(coordinates ? { coordinates } : {}),
  });
  const want = new Set(input.products);
  const names = productNames(name, want.has('percentiles'));
  const products: ProductInfo[] = [];
  const grid2 = [yDim, xDim];
  const add = (kind: ProductInfo['kind'], v: VariableSpec, units: string, coordinate?: number[]) => {
    vars.push(v);
    products.push({
      name: v.name,
      kind,
      dims: v.dims,
      shape: v.dims.map((d) => dims.find((x) => x.name === d)!.size),
      units,
      ...(coordinate ? { coordinate } : {}),
    });
  };
  const stat = (kind: 'mean' | 'std') =>
    add(
      kind,
      {
        name: names[kind],
        dtype: 'float',
        dims: [...tDims, ...grid2],
        data: stack(times, (t) => t[kind], n),
        attrs: common(statisticAttrs(kind, lab)),
      },
      input.units,
    );
  if (want.has('mean')) stat('mean');
  if (want.has('std')) stat('std');
  if (want.has('percentiles')) {
    const levels = input.percentiles ?? [];
    dims.push({ name: 'percentile', size: levels.length });
    vars.push({
      name: 'percentile',
      dtype: 'float',
      dims: ['percentile'],
      data: levels,
      attrs: { units: '%', long_name: 'percentile' },
    });
    add(
      'percentiles',
      {
        name: names.percentiles,
        dtype: 'float',
        dims: [...tDims, 'percentile', ...grid2],
        data: stack(times, (t) => t.percentiles, levels.length * n),
        attrs: common(percentileAttrs(lab)),
      },
      input.units,
      levels,
    );
  }
  if (want.has('probabilities')) {
    const th = input.thresholds ?? [];
    dims.push({ name: 'threshold', size: th.length });
    vars.push({
      name: 'threshold',
      dtype: 'float',
      dims: ['threshold'],
      data: th,
      attrs: thresholdAttrs(lab),
    });
    for (const [kind, side] of [
      ['probabilities', 'above'],
      ['probabilities_below', 'below'],
    ] as const) {
      const p = probabilityProduct(side, lab);
      add(
        kind,
        {
          name: p.name,
          dtype: 'float',
          dims: [...tDims, 'threshold', ...grid2],
          data: stack(times, (t) => (kind === 'probabilities' ? t.above : t.below), th.length * n),
          attrs: common(p.attrs),
        },
        '1',
        th,
      );
    }
  }
  if (want.has('realizations')) {
    const ids = input.realizationIds ?? [];
    dims.push({ name: 'realization', size: ids.length });
    vars.push({
      name: 'realization',
      dtype: 'int',
      dims: ['realization'],
      data: ids,
      attrs: { units: '1', standard_name: 'realization' },
    });
    add(
      'realizations',
      {
        name: names.realizations,
        dtype: 'float',
        dims: [...tDims, 'realization', ...grid2],
        data: stack(times, (t) => t.realizations, ids.length * n),
        attrs: common({
          ...stdName,
          long_name: `${name} ${input.method === 'raw' ? 'members of the raw ensemble' : `members of the ${label} (ECC)`}`,
          units: input.units,
        }),
      },
      input.units,
      ids,
    );
  }
  const where =
    input.level !== undefined
      ? ` at ${input.level} hPa`
      : input.height !== undefined
        ? ` at ${input.height} m`
        : '';
  const attrs = globalAttrs({
    title: `${label[0].toUpperCase()}${label.slice(1)} forecast of ${name}${where}`,
    source: `epp ${input.method} post-processing of ${input.inputName}`,
    institution: input.institution,
    history: input.history,
    provenance: input.provenance,
  });
  return { spec: { dimensions: dims, variables: vars, attrs }, products };
}
