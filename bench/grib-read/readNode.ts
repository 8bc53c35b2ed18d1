/**
 * Child process of bench/grib-read: decode every field of `file` N times with epp's GRIB reader — `index`:
 * scan the file and decode each field (openGribIndex + values), or `dataset`: openDataset and readVariable of
 * every data variable (the cfgrib-style cube, as readEnsemble sees it) — and print one JSON line with the same
 * fields as read_eccodes.c. A separate process so peak RSS is this reader's alone.
 */
import { openGribIndex } from '../../libs/grib/index.js';
import { openDataset } from '../../libs/netcdf/open.js';
import { median, peakRssMiB } from '../report.js';

const [file, nArg, mode] = process.argv.slice(2);
const n = Number(nArg);
const times: number[] = [];
let values = 0;
let checksum = 0;
// Load the OpenJPEG wasm module (if the file needs it) before timing, as the C reader has its library loaded.
(await openGribIndex(file)).close();
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  values = 0;
  if (mode === 'dataset') {
    const ds = await openDataset(file);
    for (const v of ds.variables.filter((x) => x.attrs.GRIB_shortName !== undefined)) {
      const d = ds.readVariable(v.name).data;
      values += d.length;
      checksum += d[d.length >> 1];
    }
    ds.close();
  } else {
    const ix = await openGribIndex(file);
    for (const f of ix.fields) {
      const d = ix.values(f);
      values += d.length;
      checksum += d[d.length >> 1];
    }
    ix.close();
  }
  times.push((performance.now() - t0) / 1000);
}
process.stdout.write(
  JSON.stringify({
    median_s: median(times),
    total_s: times.reduce((a, b) => a + b, 0),
    values,
    checksum,
    peak_rss_mib: await peakRssMiB(),
  }) + '\n',
);
