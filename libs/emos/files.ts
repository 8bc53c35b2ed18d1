/**
 * EMOS fitting from NetCDF files: what `epp emos fit` calls; the coefficients file is written atomically.
 * `epp emos apply` writes through the one product writer (libs/pipeline/forecast/emosApply.ts).
 */
import { InvalidArgumentError } from '../contracts/errors.js';
import { readEnsemble } from '../ensemble/read.js';
import type { EnsembleField } from '../ensemble/types.js';
import { openDataset } from '../netcdf/open.js';
import { writeNetcdf } from '../netcdf/write.js';
import { readTruths } from '../scoring/files.js';
import { coefficientsFileSpec } from './coefficientsFile.js';
import { EstimateEmos } from './estimate.js';
import type { EmosCoefficients, EmosOptions } from './types.js';

const history = (what: string) => `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}: epp ${what}`;

export interface FitEmosFilesOptions extends Omit<EmosOptions, 'landMask'> {
  forecasts: string[];
  truths: string[];
  variable: string;
  level?: number;
  landMask?: string;
  out: string;
}

/** Fit EMOS on forecast/truth files and write the coefficients file. */
export async function fitEmosFiles(o: FitEmosFilesOptions): Promise<EmosCoefficients> {
  let landMask: Float32Array | undefined;
  if (o.landMask) {
    const ds = await openDataset(o.landMask);
    try {
      const name = ds.variables.find((v) => v.dims.length === 2)?.name;
      if (!name) throw new InvalidArgumentError(`${o.landMask}: no 2-D land–sea mask variable`);
      landMask = Float32Array.from(ds.readVariable(name).data);
    } finally {
      ds.close();
    }
  }
  const estimator = new EstimateEmos({ ...o, landMask });
  const forecasts: EnsembleField[] = [];
  for (const f of o.forecasts)
    forecasts.push(...(await readEnsemble(f, { variable: o.variable, level: o.level })));
  const truths = await readTruths(o.truths, o.variable, o.level);
  const coeffs = estimator.process(forecasts, truths);
  await writeNetcdf(o.out, coefficientsFileSpec(coeffs, history(`emos fit ${o.distribution}`)));
  return coeffs;
}
