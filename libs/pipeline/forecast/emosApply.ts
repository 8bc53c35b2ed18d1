/**
 * `epp emos apply`: calibrate a forecast file with an EMOS coefficients file (epp's or IMPROVER's) through
 * the same path as a service job (assemble.ts → libs/products), so the CLI and the API make the same file.
 * Layout `improver` (default) is IMPROVER's one-time shape; ECC members go to `<out>_realizations.nc`.
 */
import path from 'node:path';
import { normaliseForecastRequest, type Product, type ProductLayoutName } from '../../contracts/jobs.js';
import { readCoefficients } from '../../emos/index.js';
import { openDataset } from '../../netcdf/index.js';
import { writeNetcdf } from '../../netcdf/write.js';
import { assembleForecast, productHistory } from './assemble.js';

export interface ApplyEmosFileOptions {
  forecast: string;
  coefficients: string;
  out: string;
  level?: number;
  percentiles?: number[];
  thresholds?: number[];
  realizations?: boolean;
  layout?: ProductLayoutName;
  /** The `epp_model` label (default: the coefficients file name without `.nc`). */
  modelId?: string;
  /** Times as the API selects them: index (−1 = last), ISO valid time, range, lead hours. */
  time?: number;
  validTime?: string;
  from?: string;
  to?: string;
  leadHours?: number[];
}

/** Where the ECC members go: `<out stem>_realizations.nc` next to the main product file. */
export function realizationsPath(out: string): string {
  return out.replace(/(\.nc)?$/, '_realizations.nc');
}

/** Calibrate one forecast file with a coefficients file; returns the files written. */
export async function applyEmosFile(o: ApplyEmosFileOptions): Promise<string[]> {
  const ds = await openDataset(o.coefficients);
  let diagnostic: string;
  try {
    diagnostic = readCoefficients(ds).diagnostic;
  } finally {
    ds.close();
  }
  const products: Product[] = ['mean', 'std'];
  if (o.percentiles?.length) products.push('percentiles');
  if (o.thresholds?.length) products.push('probabilities');
  if (o.realizations) products.push('realizations');
  const req = normaliseForecastRequest({
    source: { path: o.forecast },
    variable: diagnostic,
    level: o.level,
    method: 'emos',
    products,
    ...(o.percentiles?.length ? { percentiles: o.percentiles } : {}),
    ...(o.thresholds?.length ? { thresholds: o.thresholds } : {}),
    layout: o.layout ?? 'improver',
    time: o.time,
    validTime: o.validTime,
    from: o.from,
    to: o.to,
    leadHours: o.leadHours,
  });
  const built = await assembleForecast(
    req,
    { source: path.resolve(o.forecast), emosCoefficients: path.resolve(o.coefficients) },
    {
      history: productHistory('emos'),
      modelLabel: o.modelId ?? path.basename(o.coefficients).replace(/\.nc$/, ''),
      products: products.filter((p) => p !== 'realizations'),
    },
  );
  await writeNetcdf(o.out, built.spec);
  const written = [o.out];
  if (o.realizations) {
    await writeNetcdf(realizationsPath(o.out), built.respec(['realizations']).spec);
    written.push(realizationsPath(o.out));
  }
  return written;
}
