/**
 * bench/grib-read: decode every message of the real ERA5 GRIB1 file (160 fields of 120×61, simple packing) and
 * of GRIB2 re-encodings of it written here by ecCodes' grib_set (CCSDS, complex packing with spatial
 * differencing, PNG, JPEG 2000), N times each (default 20), with epp's reader (index + decode of every field,
 * and the cfgrib-style dataset path) and with ecCodes itself (a small C program compiled now against
 * libeccodes-dev), in the same run, each reader in its own child process. Goal: epp ≤ 2× ecCodes' time for
 * simple and CCSDS packing. Every iteration opens the file afresh; the load average is reported with the
 * results, as the machine may be shared.
 *   npm run build && npm run -s bench -- grib-read [--json] [--n 20]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResults } from '../report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const C_SOURCE = path.resolve(here, '../../../bench/grib-read/read_eccodes.c');
const ERA5 = 'cfgrib_era5_eda/era5-levels-members.grib';
const PACKINGS = ['grid_ccsds', 'grid_complex_spatial_differencing', 'grid_png', 'grid_jpeg'];

interface Measure {
  median_s: number;
  total_s: number;
  values: number;
  checksum: number;
  peak_rss_mib: number;
}

function child(cmd: string, args: string[]): Measure | { error: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0)
    return {
      error: (r.stderr || String(r.error) || `exit ${r.status}`).trim().split('\n').pop() ?? 'failed',
    };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
}

export function run(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const nIdx = argv.indexOf('--n');
  const n = nIdx >= 0 ? Number(argv[nIdx + 1]) : 20;
  const dataDir = path.resolve(process.env.EPP_REAL_DATA ?? path.join(process.cwd(), '../shared/data/real'));
  const src = path.join(dataDir, ERA5);
  if (!existsSync(src)) {
    process.stderr.write(`grib-read: ${src} not found (set EPP_REAL_DATA)\n`);
    process.exitCode = 2;
    return Promise.resolve();
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'epp-bench-grib-'));
  try {
    const exe = path.join(tmp, 'read_eccodes');
    const cc = spawnSync('cc', ['-O2', '-o', exe, C_SOURCE, '-leccodes'], { encoding: 'utf8' });
    const cError =
      cc.status === 0
        ? undefined
        : `cannot compile against libeccodes-dev: ${(cc.stderr || String(cc.error)).trim().split('\n')[0]}`;
    const cases: { name: string; file: string }[] = [{ name: 'ERA5 GRIB1 simple', file: src }];
    for (const p of PACKINGS) {
      const file = path.join(tmp, `${p}.grib`);
      const r = spawnSync('grib_set', ['-r', '-s', `edition=2,packingType=${p}`, src, file], {
        encoding: 'utf8',
      });
      if (r.status === 0) cases.push({ name: `ERA5 GRIB2 ${p.replace('grid_', '')}`, file });
      else process.stderr.write(`grib-read: grib_set failed for ${p}: ${r.stderr}\n`);
    }
    const loadBefore = os.loadavg()[0];
    const results: Record<string, unknown>[] = [];
    for (const c of cases) {
      const readers: [string, Measure | { error: string }][] = [
        [
          'epp index+decode',
          child(process.execPath, [path.join(here, 'readNode.js'), c.file, String(n), 'index']),
        ],
        [
          'epp openDataset',
          child(process.execPath, [path.join(here, 'readNode.js'), c.file, String(n), 'dataset']),
        ],
        ['ecCodes (C)', cError ? { error: cError } : child(exe, [c.file, String(n)])],
      ];
      const ref = readers[2][1];
      for (const [reader, m] of readers) {
        if ('error' in m) {
          results.push({ file: c.name, reader, error: m.error });
          continue;
        }
        results.push({
          file: c.name,
          reader,
          iterations: n,
          values_per_iter: m.values,
          median_ms: m.median_s * 1000,
          mvalues_per_s: (m.values * n) / m.total_s / 1e6,
          time_vs_eccodes: 'error' in ref ? NaN : m.total_s / ref.total_s,
          checksum: m.checksum,
          peak_rss_mib: m.peak_rss_mib,
        });
      }
    }
    printResults(
      {
        bench: 'grib-read',
        goal: 'epp index+decode time_vs_eccodes <= 2 for simple and CCSDS packing',
        load_average_1m: { before: loadBefore, after: os.loadavg()[0], cpus: os.cpus().length },
        results,
      },
      {
        header: [
          'file',
          'reader',
          'values/iter',
          'median ms',
          'Mvalues/s',
          'time vs ecCodes',
          'peak RSS MiB',
        ],
        rows: results.map((r) =>
          'error' in r
            ? [String(r.file), String(r.reader), 'error', String(r.error), '', '', '']
            : [
                String(r.file),
                String(r.reader),
                r.values_per_iter as number,
                r.median_ms as number,
                r.mvalues_per_s as number,
                r.time_vs_eccodes as number,
                r.peak_rss_mib as number,
              ],
        ),
      },
      json,
    );
    process.stdout.write(
      `load average (1 min): ${loadBefore.toFixed(2)} before, ${os.loadavg()[0].toFixed(2)} after, ${os.cpus().length} CPUs\n`,
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return Promise.resolve();
}
