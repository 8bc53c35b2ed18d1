/**
 * bench/netcdf-read: read the MOGREPS-UK 12×200×200 netCDF-4 file and the ERA5 netCDF-3 file N times each
 * (default 20; full CF decode of the main variables) with epp's reader, netcdfjs's own data path (netCDF-3
 * only) and the netCDF-C library via /usr/bin/python3 netCDF4, in the same run; MB/s of stored bytes and
 * peak RSS, each reader in its own child process. Goal: epp no slower than 2× the C library.
 * Every iteration opens the file afresh (no state survives a close); per-process one-time costs are outside
 * the timing on both sides: python has imported netCDF4 (libnetcdf/libhdf5 loaded), epp has loaded the
 * h5wasm module. JIT warm-up of epp's own code is inside (the first iterations). The machine's load average
 * is reported with the results, as the ratio is what compares on a shared machine.
 *   npm run build && npm run -s bench -- netcdf-read [--json] [--n 20]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResults } from '../report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PY = '/usr/bin/python3';
const PY_READER = path.resolve(here, '../../../bench/netcdf-read/read_netcdf4.py');
const CASES = [
  {
    name: 'MOGREPS-UK nc4 12x200x200',
    rel: 'improver_test_data/estimate-emos-coefficients/normal/history/20170602T0300Z-PT0012H-temperature_at_screen_level.nc',
    vars: ['air_temperature'],
    nc3: false,
  },
  { name: 'ERA5 nc3 z,t', rel: 'cfgrib_era5_eda/era5-levels-members.nc3.nc', vars: ['z', 't'], nc3: true },
];

interface Measure {
  median_s: number;
  total_s: number;
  bytes: number;
  peak_rss_mib: number;
}

function child(cmd: string, args: string[]): Measure | { error: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: (r.stderr || String(r.error)).trim().split('\n').pop() ?? 'failed' };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
}

export function run(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const nIdx = argv.indexOf('--n');
  const n = nIdx >= 0 ? Number(argv[nIdx + 1]) : 20;
  const dataDir = path.resolve(process.env.EPP_REAL_DATA ?? path.join(process.cwd(), '../shared/data/real'));
  const havePython = spawnSync(PY, ['-c', 'import netCDF4'], { encoding: 'utf8' }).status === 0;
  const results: Record<string, unknown>[] = [];
  const loadBefore = os.loadavg()[0];
  for (const c of CASES) {
    const file = path.join(dataDir, c.rel);
    if (!existsSync(file)) {
      process.stderr.write(`netcdf-read: ${file} not found (set EPP_REAL_DATA)\n`);
      continue;
    }
    const readers: [string, Measure | { error: string }][] = [
      ['epp', child(process.execPath, [path.join(here, 'readNode.js'), file, c.vars.join(','), String(n)])],
    ];
    if (c.nc3)
      readers.push([
        'netcdfjs getDataVariable',
        child(process.execPath, [
          path.join(here, 'readNode.js'),
          file,
          c.vars.join(','),
          String(n),
          'netcdfjs',
        ]),
      ]);
    readers.push([
      'netCDF-C (python3-netcdf4)',
      havePython
        ? child(PY, [PY_READER, file, c.vars.join(','), String(n)])
        : { error: 'python3-netcdf4 absent' },
    ]);
    const ref = readers.find(([r]) => r.startsWith('netCDF-C'))?.[1];
    for (const [reader, m] of readers) {
      if ('error' in m) {
        results.push({ file: c.name, reader, error: m.error });
        continue;
      }
      const mbps = (m.bytes * n) / m.total_s / 1e6;
      const vsC = ref && !('error' in ref) ? m.total_s / ref.total_s : NaN;
      results.push({
        file: c.name,
        reader,
        iterations: n,
        mb_per_iter: m.bytes / 1e6,
        median_ms: m.median_s * 1000,
        mb_per_s: mbps,
        time_vs_netcdf_c: vsC,
        peak_rss_mib: m.peak_rss_mib,
      });
    }
  }
  printResults(
    {
      bench: 'netcdf-read',
      goal: 'epp time_vs_netcdf_c <= 2',
      load_average_1m: { before: loadBefore, after: os.loadavg()[0], cpus: os.cpus().length },
      results,
    },
    {
      header: ['file', 'reader', 'MB/iter', 'median ms', 'MB/s', 'time vs C', 'peak RSS MiB'],
      rows: results.map((r) =>
        'error' in r
          ? [String(r.file), String(r.reader), 'error', String(r.error), '', '', '']
          : [
              String(r.file),
              String(r.reader),
              r.mb_per_iter as number,
              r.median_ms as number,
              r.mb_per_s as number,
              r.time_vs_netcdf_c as number,
              r.peak_rss_mib as number,
            ],
      ),
    },
    json,
  );
  const [l1] = os.loadavg();
  process.stdout.write(
    `load average (1 min): ${loadBefore.toFixed(2)} before, ${l1.toFixed(2)} after, ${os.cpus().length} CPUs\n`,
  );
  return Promise.resolve();
}
