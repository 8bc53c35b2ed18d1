/**
 * CRPS of an m-member ensemble at n points (default 50 × 1,000,000): epp's ensembleCrpsMap (per-point
 * insertion sort + O(m) sorted formula) against numpy sort-based implementations, same data, same run.
 * `npm run -s bench -- scoring [--json] [--members 50] [--points 1000000] [--repeats 3]`
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensembleCrpsMap } from '../../libs/scoring/maps.js';
import { median, peakRssMiB, printResults } from '../report.js';

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

/** Deterministic normals (mulberry32 + Box–Muller). */
function normals(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

export async function run(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const m = option(argv, 'members', 50);
  const n = option(argv, 'points', 1_000_000);
  const repeats = option(argv, 'repeats', 3);
  const data = normals(m * n, 1);
  const truth = normals(n, 2).map((v) => 0.3 + 1.2 * v);

  const times: number[] = [];
  let out: Float32Array = new Float32Array(n);
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    out = ensembleCrpsMap(data, m, truth, out);
    times.push((performance.now() - t0) / 1000);
  }
  const epp = Math.min(...times);

  const rows: (string | number)[][] = [
    ['epp ensembleCrpsMap (TypeScript)', epp, median(times), (m * n) / epp / 1e6],
  ];
  const result: Record<string, unknown> = {
    members: m,
    points: n,
    repeats,
    epp_seconds_best: epp,
    epp_seconds_median: median(times),
  };
  const dir = mkdtempSync(path.join(tmpdir(), 'epp-bench-crps-'));
  try {
    writeFileSync(path.join(dir, 'ens.f32'), data);
    writeFileSync(path.join(dir, 'y.f32'), truth);
    const script = path.join(
      path.dirname(fileURLToPath(import.meta.url)),
      '../../../bench/scoring/numpy_crps.py',
    );
    const py = spawnSync(
      '/usr/bin/python3',
      [
        script,
        String(m),
        String(n),
        String(repeats),
        path.join(dir, 'ens.f32'),
        path.join(dir, 'y.f32'),
        path.join(dir, 'out.f32'),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    if (py.status !== 0) {
      result.numpy = `unavailable: ${(py.stderr || py.error?.message || '').trim().split('\n').pop()}`;
    } else {
      const t = JSON.parse(py.stdout.trim().split('\n').pop()!) as Record<string, number>;
      const ref = new Float32Array(readFileSync(path.join(dir, 'out.f32')).buffer.slice(0));
      let maxRel = 0;
      for (let p = 0; p < n; p++)
        maxRel = Math.max(maxRel, Math.abs(out[p] - ref[p]) / Math.max(Math.abs(ref[p]), 1e-6));
      result.numpy_seconds_best = t;
      result.max_relative_difference = maxRel;
      for (const [k, v] of Object.entries(t)) rows.push([k, v, NaN, (m * n) / v / 1e6]);
      const bestNumpy = Math.min(...Object.values(t));
      result.speedup_vs_best_numpy = bestNumpy / epp;
      result.goal_met = epp <= bestNumpy;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  result.peak_rss_mib = await peakRssMiB();
  printResults(result, { header: ['implementation', 'best s', 'median s', 'M values/s'], rows }, json);
}
