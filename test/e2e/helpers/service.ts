/**
 * Runs the built service (dist/, built by `npm test`'s pretest) as real processes: the API (embedded or
 * with Redis) and worker processes, each in its own process group so a test can SIGKILL a whole worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { realFile } from '../../helpers/realData.js';

export const KEYS = {
  admin: 'admin-key-0123456789',
  submit: 'submit-key-0123456789',
  read: 'read-key-0123456789',
};
const ROOT = process.cwd();

export function requireBuild(): void {
  for (const f of ['dist/apps/api/main.js', 'dist/workers/postprocess/main.js'])
    if (!existsSync(path.join(ROOT, f)))
      throw new Error(`${f} is missing: run \`npm run build\` (npm test does it first)`);
}

/** A temporary data root holding the real ERA5 ensemble as inbox/era5.nc. */
export function makeDataRoot(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-e2e-'));
  mkdirSync(path.join(dir, 'inbox'), { recursive: true });
  copyFileSync(realFile('cfgrib_era5_eda/era5-levels-members.nc3.nc'), path.join(dir, 'inbox', 'era5.nc'));
  return dir;
}

export function removeDataRoot(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
  /** SIGKILL the whole process group (the worker and its sandboxed children), like a crashed machine. */
  kill9: () => Promise<void>;
}

function launch(
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60000,
): Promise<Proc> {
  const child = spawn(process.execPath, [path.join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', EPP_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: Proc = {
    child,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    kill9: async () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void proc.kill9();
      reject(new Error(`${script} did not become ready in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const check = () => {
      if (ready.test(out)) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(proc);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready:\n${out}`));
    });
  });
}

export interface ServiceEnv {
  dataDir: string;
  redisUrl?: string;
  prefix?: string;
  extra?: Record<string, string>;
}

function envOf(s: ServiceEnv): Record<string, string> {
  return {
    EPP_DATA_DIR: s.dataDir,
    EPP_API_KEYS: `${KEYS.admin}:admin,${KEYS.submit}:submit,${KEYS.read}:read`,
    EPP_HOST: '127.0.0.1',
    PORT: '0',
    ...(s.redisUrl ? { REDIS_URL: s.redisUrl } : {}),
    ...(s.prefix ? { EPP_QUEUE_PREFIX: s.prefix } : {}),
    ...s.extra,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
export type Json = any;

export interface Api extends Proc {
  url: string;
  req: (
    method: string,
    p: string,
    opts?: { key?: string | null; json?: unknown; form?: FormData; body?: string },
  ) => Promise<{ status: number; body: Json; text: string; bytes: Buffer }>;
}

export async function startApi(s: ServiceEnv): Promise<Api> {
  const proc = await launch('dist/apps/api/main.js', envOf(s), /listening on http:\/\/[\d.]+:\d+/);
  const url = /listening on (http:\/\/[\d.]+:\d+)/.exec(proc.output())![1];
  const req: Api['req'] = async (method, p, opts = {}) => {
    const headers: Record<string, string> = {};
    const key = opts.key === undefined ? KEYS.admin : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | FormData | undefined;
    if (opts.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = opts.body;
    } else if (opts.form) body = opts.form;
    let res: Response;
    try {
      res = await fetch(url + p, { method, headers, body });
    } catch (err) {
      // A kept-alive socket the server closed while idle (after a long step in the test): retry once, fresh.
      if (method !== 'GET') throw err;
      res = await fetch(url + p, { method, headers, body });
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, text, bytes };
  };
  return { ...proc, url, req };
}

export function startWorker(s: ServiceEnv): Promise<Proc> {
  return launch('dist/workers/postprocess/main.js', envOf(s), /worker ready/);
}

/** Poll a job until it is completed or failed. */
export async function waitForJob(api: Api, id: string, timeoutMs = 60000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await api.req('GET', `/v1/jobs/${id}`, { key: KEYS.read });
    if (r.status === 200 && (r.body.state === 'completed' || r.body.state === 'failed')) return r.body;
    if (Date.now() > deadline) throw new Error(`job ${id} not finished after ${timeoutMs} ms: ${r.text}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
