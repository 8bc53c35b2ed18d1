/**
 * EMOS from and to NetCDF files: what `epp emos fit` and `epp emos apply` call. Outputs are written
 * atomically by writeNetcdf; every product is computed before the first file is written.
 */
import { InvalidArgumentError, MismatchError } from '../contracts/errors.js';
import { readEnsemble } from '../ensemble/read.js';
import type { EnsembleField } from '../ensemble/types.js';
import { openDataset } from '../netcdf/open.js';
import { writeNetcdf } from '../netcdf/write.js';
import { readTruths } from '../scoring/files.js';
import { ApplyEmos, type ApplyEmosOptions } from './apply.js';
import { coefficientsFileSpec, readCoefficients } from './coefficientsFile.js';
import { EstimateEmos } from './estimate.js';
import { calibratedFileSpec, realizationsFileSpec } from './outputFile.js';
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

export interface ApplyEmosFilesOptions extends ApplyEmosOptions {
  forecast: string;
  coefficients: string;
  out: string;
  level?: number;
}

/** Where the ECC members go: `<out stem>_realizations.nc` next to the main product file. */
export function realizationsPath(out: string): string {
  return out.replace(/(\.nc)?$/, '_realizations.nc');
}

/** Calibrate one forecast file with a coefficients file; returns the files written. */
export async function applyEmosFiles(o: ApplyEmosFilesOptions): Promise<string[]> {
  const plugin = new ApplyEmos(o);
  const ds = await openDataset(o.coefficients);
  let coeffs: EmosCoefficients;
  try {
    coeffs = readCoefficients(ds);
  } finally {
    ds.close();
  }
  const fields = await readEnsemble(o.forecast, { variable: coeffs.diagnostic, level: o.level });
  if (fields.length !== 1)
    throw new MismatchError(
      `${o.forecast}: expected one forecast of ${coeffs.diagnostic}, found ${fields.length} times/levels`,
    );
  const cal = plugin.process(fields[0], coeffs);
  const h = history(`emos apply ${o.coefficients}`);
  const main = calibratedFileSpec(cal, { history: h });
  const members = cal.realizations ? realizationsFileSpec(cal, { history: h }) : null;
  await writeNetcdf(o.out, main);
  const written = [o.out];
  if (members) {
    await writeNetcdf(realizationsPath(o.out), members);
    written.push(realizationsPath(o.out));
  }
  return written;
}
