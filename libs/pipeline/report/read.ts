/**
 * Read the fields of a case study through libs/ensemble's reader. The report's `--variable` may name a
 * variable in the file (`air_temperature`) or a variable and pressure level (`t850` → `t` at 850 hPa).
 */
import { NotFoundInFileError } from '../../contracts/errors.js';
import { readEnsemble, readField } from '../../ensemble/read.js';
import type { EnsembleField, Field2D } from '../../ensemble/types.js';

/** `t850` → { t, 850 }; anything else → itself without a level. */
export function splitVariable(spec: string): { variable: string; level?: number } {
  const m = /^([a-zA-Z_]+?)(\d{3,4})$/.exec(spec);
  return m ? { variable: m[1], level: Number(m[2]) } : { variable: spec };
}

async function withFallback<T>(
  spec: string,
  read: (o: { variable: string; level?: number }) => Promise<T>,
): Promise<T> {
  try {
    return await read({ variable: spec });
  } catch (err) {
    const split = splitVariable(spec);
    if (!(err instanceof NotFoundInFileError) || split.level === undefined) throw err;
    return read(split);
  }
}

/** Every forecast field of a file (all leads and times) as ensembles [member, y, x]. */
export function readForecastFile(path: string, variable: string): Promise<EnsembleField[]> {
  return withFallback(variable, (o) => readEnsemble(path, o));
}

/** Every truth field of a file. */
export function readTruthFile(path: string, variable: string): Promise<Field2D[]> {
  return withFallback(variable, (o) => readField(path, o));
}
