/**
 * Public API of libs/grib. `openGribIndex` scans a file into an index of its fields (offsets, parameter,
 * level, member, reference time, step, grid, packing) without decoding data; `values(field)` decodes one.
 * `openDataset` (libs/netcdf) presents the same file cfgrib-style through its `GribStore` (libs/netcdf/gribStore.ts).
 */
export type * from './types.js';
export { openGribIndex, type GribIndex, type GribSelection } from './open.js';
export { reducedToRegular, regularAxes, projectedPoints, reducedPoints } from './grid.js';
export { gaussianLatitudes } from './gaussian.js';
export { summarizeGrib, formatGribSummary, type GribSummary } from './summary.js';
