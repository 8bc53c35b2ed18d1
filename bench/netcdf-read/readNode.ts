/**
 * Child process of bench/netcdf-read: reads `names` of `file` N times with epp's reader (open, readVariable each
 * whole with CF decoding, close) — or, with `netcdfjs`, with netcdfjs's own getDataVariable — and prints one
 * JSON line with the same fields as read_netcdf4.py. A separate process so peak RSS is this reader's alone.
 */
import { readFileSync } from 'node:fs';
import { NetCDFReader } from 'netcdfjs';
import { openDataset } from '../../libs/netcdf/open.js';
import { median, peakRssMiB } from '../report.js';

const [file, namesArg, nArg, mode] = process.argv.slice(2);
const names = namesArg.split(',');
const n = Number(nArg);
const SIZE: Record<string, number> = { byte: 1, char: 1, short: 2, int: 4, float: 4, double: 8 };
const times: number[] = [];
let bytes = 0;
// The first open loads the h5wasm module (~1 s): load it before timing, as python has loaded netCDF4.
if (mode !== 'netcdfjs') (await openDataset(file)).close();
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  bytes = 0;
  if (mode === 'netcdfjs') {
    const r = new NetCDFReader(readFileSync(file));
    for (const name of names) {
      const values = r.getDataVariable(name).flat(Infinity) as number[];
      const v = r.variables.find((x) => x.name === name)!;
      bytes += values.length * SIZE[v.type];
    }
  } else {
    const ds = await openDataset(file);
    for (const name of names) {
      const v = ds.readVariable(name);
      bytes += v.data.length * (SIZE[ds.variable(name).dtype] ?? 8);
    }
    ds.close();
  }
  times.push((performance.now() - t0) / 1000);
}
process.stdout.write(
  JSON.stringify({
    median_s: median(times),
    total_s: times.reduce((a, b) => a + b, 0),
    bytes,
    peak_rss_mib: await peakRssMiB(),
  }) + '\n',
);
