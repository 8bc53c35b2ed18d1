/** Public API of libs/netcdf: open (netCDF-3 and netCDF-4, bounds-checked readers), CF decoding, writing. */
export { openDataset } from './open.js';
export { NcDataset } from './dataset.js';
export { decodeValues, decodedIsFloat32, isPacked } from './cf.js';
export { durationSeconds, parseTimeUnits, toEpochSeconds } from './time.js';
export { findMemberAxis, MEMBER_DIM_NAMES } from './members.js';
export type * from './types.js';
export { writeNetcdf, type WriteOptions } from './write.js';
export { convertFile, decodedSpec, type ConvertSummary } from './convert.js';
export { inspectFile, formatInspect, type InspectReport } from './inspect.js';
