/**
 * Start-up shared by the Redis benches (`bench api`, `bench fanout`): a private `redis-server` on a free
 * loopback port (never the system one), epp processes started from dist/ and awaited until they print their
 * ready line, and their stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Launched {
  child: ChildProcess;
  /** What the process printed up to its ready line (the last 20,000 characters). */
  out: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

/** Spawn `args` (cwd: the repository) and resolve once its output matches `ready` (2 min at most). */
export function launch(args: string[], env: Record<string, string>, ready: RegExp): Promise<Launched> {
  const child = spawn(args[0], args.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${args.join(' ')} not ready:\n${out}`)), 120_000);
    const on = (d: Buffer) => {
      out = (out + d.toString()).slice(-20_000);
      if (ready.test(out)) {
        clearTimeout(t);
        // Keep draining the pipes (a full pipe would block the child), without keeping the text.
        child.stdout.removeAllListeners('data');
        child.stderr.removeAllListeners('data');
        child.stdout.resume();
        child.stderr.resume();
        resolve({ child, out });
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (c) => reject(new Error(`${args[0]} exited ${c}:\n${out}`)));
  });
}

export async function stop(p: { child: ChildProcess }): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  await new Promise<void>((r) => {
    p.child.once('exit', () => r());
    p.child.kill('SIGTERM');
  });
}

/** A private redis-server without persistence on a free loopback port. */
export async function startRedis(): Promise<Launched & { url: string }> {
  const port = await freePort();
  const p = await launch(
    ['redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {},
    /Ready to accept/,
  );
  return { ...p, url: `redis://127.0.0.1:${port}` };
}

/** `n` worker processes (dist/workers/postprocess/main.js) with `env`, each awaited until "worker ready". */
export function startWorkers(n: number, env: Record<string, string>): Promise<Launched[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      launch(['node', 'dist/workers/postprocess/main.js'], env, /worker ready/),
    ),
  );
}
