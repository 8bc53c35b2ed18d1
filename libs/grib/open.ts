/** `openGribIndex`: scan a GRIB file into an index of its fields and decode any of them on demand. */
import { decodeField } from './decode.js';
import { loadJpeg2000 } from './packing/jpeg2000.js';
import { scanFile } from './parse.js';
import { FileSource } from './source.js';
import type { GribField } from './types.js';

export interface GribSelection {
  shortName?: string;
  cfVarName?: string;
  typeOfLevel?: string;
  level?: number;
  number?: number;
  stepHours?: number;
  refTime?: number;
}

export interface GribIndex {
  readonly path: string;
  readonly fields: GribField[];
  /** Fields matching every given key. */
  select(sel: GribSelection): GribField[];
  /** Decoded values of one field in storage order (float32; NaN where the bitmap marks a point missing). */
  values(field: GribField): Float32Array;
  close(): void;
}

export async function openGribIndex(path: string): Promise<GribIndex> {
  const src = new FileSource(path);
  let fields: GribField[];
  try {
    fields = scanFile(src);
    if (fields.some((f) => f.data.template === 40)) await loadJpeg2000();
  } catch (err) {
    src.close();
    throw err;
  }
  return {
    path,
    fields,
    select: (s) =>
      fields.filter(
        (f) =>
          (s.shortName === undefined || f.param.shortName === s.shortName) &&
          (s.cfVarName === undefined || f.param.cfVarName === s.cfVarName) &&
          (s.typeOfLevel === undefined || f.typeOfLevel === s.typeOfLevel) &&
          (s.level === undefined || f.level === s.level) &&
          (s.number === undefined || f.number === s.number) &&
          (s.stepHours === undefined || f.stepHours === s.stepHours) &&
          (s.refTime === undefined || f.refTime === s.refTime),
      ),
    values: (f) => decodeField(src, f),
    close: () => src.close(),
  };
}
