/**
 * `npm run -s bench -- hostile [--json] [--probe-ms 10] [--quiet-seconds 5]`: /health latency of the running
 * API (embedded mode, the built dist/) while each of issue 13's and 18's attack files is uploaded, side by
 * side with /health on the same API at rest. One prober sends GET /health, waits for the answer, waits
 * --probe-ms and repeats; for each attack it reports the upload's status, the time from the upload's last byte
 * to the answer, and /health p50/p99/max over the attack. Also the API's peak RSS and the files left in
 * quarantine or the inbox. The acceptance (issue 13): every attack a 4xx within 10 s, /health within 100 ms
 * throughout, peak RSS < 1 GiB, nothing left. Loopback only; needs the real data (EPP_REAL_DATA).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { printResults } from '../report.js';
import {
  corruptChunk,
  ERA5_GRIB,
  gribCutMagic,
  gribGaussianN,
  h5wasmLoop,
  nc3NameBomb,
  WIND_FILE,
  zlibBomb,
  type AttackFile,
} from './attacks.js';
import { probingHealth, upload } from './upload.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KEY = 'bench-submit-key-0123456789';

function launchApi(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['dist/apps/api/main.js'], {
    cwd: ROOT,
    env: {
      ...process.env,
      EPP_DATA_DIR: dataDir,
      EPP_API_KEYS: `${KEY}:admin`,
      EPP_HOST: '127.0.0.1',
      PORT: '0',
      EPP_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`API not ready:\n${out}`)), 90_000);
    const on = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ child, url: m[1] });
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (c) => reject(new Error(`API exited ${c}:\n${out}`)));
  });
}

interface Probe {
  n: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

function summary(times: number[]): Probe {
  const s = [...times].sort((a, b) => a - b);
  const q = (p: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: s.length, p50_ms: r(q(0.5)), p99_ms: r(q(0.99)), max_ms: r(s[s.length - 1] ?? NaN) };
}

function files(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const num = (name: string, d: number) => {
    const i = argv.indexOf(name);
    return i >= 0 ? Math.max(0, Number(argv[i + 1])) : d;
  };
  const gapMs = num('--probe-ms', 10);
  const quietS = num('--quiet-seconds', 5);
  const real = path.resolve(process.env.EPP_REAL_DATA ?? path.join(ROOT, '../shared/data/real'));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-bench-hostile-'));
  const attackDir = mkdtempSync(path.join(os.tmpdir(), 'epp-bench-attacks-'));
  mkdirSync(path.join(dataDir, 'inbox'));
  copyFileSync(
    path.join(real, 'cfgrib_era5_eda/era5-levels-members.nc3.nc'),
    path.join(dataDir, 'inbox/era5.nc'),
  );
  const wind = path.join(real, WIND_FILE);
  const attacks: AttackFile[] = [
    h5wasmLoop(attackDir, wind),
    nc3NameBomb(attackDir, 64),
    nc3NameBomb(attackDir, 190),
    zlibBomb(attackDir, wind),
    corruptChunk(attackDir, wind),
    gribCutMagic(attackDir, path.join(real, ERA5_GRIB)),
    gribGaussianN(attackDir),
  ];
  const load0 = os.loadavg();
  const results: Record<string, unknown> = {};
  const rows: (string | number)[][] = [];
  let api: { child: ChildProcess; url: string } | undefined;
  try {
    api = await launchApi(dataDir);
    const { url } = api;
    // At rest: the same prober for --quiet-seconds with no upload.
    const quiet = await probingHealth(url, gapMs, () => new Promise((r) => setTimeout(r, quietS * 1000)));
    const rest = summary(quiet.times);
    results.at_rest = rest;
    rows.push(['/health at rest', '-', '-', '-', rest.p50_ms, rest.p99_ms, rest.max_ms]);
    const outcomes: Record<string, unknown>[] = [];
    for (const a of attacks) {
      const { value: r, times } = await probingHealth(url, gapMs, () => upload(url, KEY, a.fields, a.file));
      const health = summary(times);
      const left = [
        ...files(path.join(dataDir, 'tmp/uploads')),
        ...files(path.join(dataDir, 'inbox/uploads')),
      ];
      const code = r.body?.error?.code ?? '';
      const afterUploadMs = r.totalMs - r.sentMs;
      outcomes.push({
        attack: a.name,
        status: r.status,
        code,
        afterUploadMs,
        totalMs: r.totalMs,
        health,
        left,
      });
      rows.push([
        a.name,
        `${r.status} ${code}`,
        Math.round(afterUploadMs),
        Math.round(r.totalMs),
        health.p50_ms,
        health.p99_ms,
        health.max_ms,
      ]);
    }
    results.attacks = outcomes;
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${api.child.pid}/status`, 'utf8'));
    results.api_peak_rss_mib = m ? Math.round(Number(m[1]) / 1024) : null;
    const all = outcomes.map((o) => o.health as Probe);
    results.acceptance = {
      every_attack_4xx_within_10s: outcomes.every(
        (o) =>
          (o.status as number) >= 400 && (o.status as number) < 500 && (o.afterUploadMs as number) < 10_000,
      ),
      health_max_ms_under_attack: Math.max(...all.map((h) => h.max_ms)),
      health_within_100ms_throughout: all.every((h) => h.max_ms <= 100),
      api_peak_rss_under_1gib: (results.api_peak_rss_mib as number) < 1024,
      nothing_left: outcomes.every((o) => (o.left as string[]).length === 0),
    };
  } finally {
    if (api && api.child.exitCode === null) {
      const exited = new Promise((r) => api!.child.once('exit', r));
      api.child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(attackDir, { recursive: true, force: true });
  }
  results.probe_gap_ms = gapMs;
  results.machine = {
    cpus: os.cpus().length,
    node: process.version,
    loadavg_before: load0,
    loadavg_after: os.loadavg(),
  };
  printResults(
    results,
    {
      header: ['upload', 'answer', 'ms after upload', 'ms in all', '/health p50 ms', 'p99 ms', 'max ms'],
      rows,
    },
    asJson,
  );
  if (!asJson)
    process.stdout.write(
      `API peak RSS ${String(results.api_peak_rss_mib)} MiB; load ${load0.map((x) => x.toFixed(1)).join(' ')} -> ` +
        `${os
          .loadavg()
          .map((x) => x.toFixed(1))
          .join(' ')} (${os.cpus().length} CPUs)\n`,
    );
}
