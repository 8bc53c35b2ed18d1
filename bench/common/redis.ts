/**
 * Start-up shared by the Redis benches (`bench api`, `bench fanout`): a private `redis-server` on a free
 * loopback port (never the system one), epp processes started from dist/ and awaited until they print their
 * ready line, their stop, and the CPU time of their process trees over an interval (measureTreeCpu).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** Clock ticks per second of /proc/<pid>/stat and /proc/stat times (USER_HZ; 100 on every Linux build in use). */
export function clockTicks(): number {
  try {
    const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(v) && v > 0 ? v : 100;
  } catch {
    return 100;
  }
}

interface ProcTimes {
  ppid: number;
  /** utime + stime of the process itself, s. */
  self: number;
  /** utime + stime of its main thread (the JavaScript thread of a Node process), s. */
  main: number;
  /** cutime + cstime: its children that have exited and been waited for, s. */
  reaped: number;
}

/** utime + stime (clock ticks) from the text of a /proc stat file. */
function ticksOf(stat: string): { fields: string[]; ticks: number } {
  // Fields after the parenthesised command name (which may hold spaces): state, ppid, …, utime at 11.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { fields, ticks: Number(fields[11]) + Number(fields[12]) };
}

function procSnapshot(hz: number): Map<number, ProcTimes> {
  const out = new Map<number, ProcTimes>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let s: string;
    try {
      s = readFileSync(`/proc/${d}/stat`, 'utf8');
    } catch {
      continue; // exited while listed
    }
    const { fields: f, ticks } = ticksOf(s);
    let main = ticks;
    try {
      main = ticksOf(readFileSync(`/proc/${d}/task/${d}/stat`, 'utf8')).ticks;
    } catch {
      // exited meanwhile: counted as one thread
    }
    out.set(Number(d), {
      ppid: Number(f[1]),
      self: ticks / hz,
      main: main / hz,
      reaped: (Number(f[13]) + Number(f[14])) / hz,
    });
  }
  return out;
}

/**
 * CPU seconds of a process (`self`) and of all its descendants (`children`) over a measured interval;
 * `childrenMain` is the part of `children` spent on the descendants' main threads (for Node processes the
 * JavaScript thread, the rest being V8's GC and compiler threads and libuv's pool; a descendant that exited
 * in the interval counts as main thread only).
 */
export interface TreeCpu {
  self: number;
  children: number;
  childrenMain: number;
}

/**
 * Start measuring the CPU time (user + system, from /proc) of the process trees rooted at `roots`; the
 * returned function ends the interval. Two snapshots, nothing sampled in between (so the measuring costs
 * nothing while it runs): a descendant that exited in the interval is counted through its parent's
 * `cutime` once waited for. `null` where /proc is not readable (not Linux).
 */
export function measureTreeCpu(
  roots: Record<string, number | undefined>,
): (() => Record<string, TreeCpu>) | null {
  if (!existsSync('/proc/self/stat')) return null;
  const hz = clockTicks();
  const start = procSnapshot(hz);
  return () => {
    const end = procSnapshot(hz);
    const rootOf = (pid: number, snap: Map<number, ProcTimes>): string | undefined => {
      for (let p: number | undefined = pid, k = 0; p && k < 64; p = snap.get(p)?.ppid, k++)
        for (const [name, r] of Object.entries(roots)) if (r === p) return name;
      return undefined;
    };
    const out: Record<string, TreeCpu> = {};
    for (const name of Object.keys(roots)) out[name] = { self: 0, children: 0, childrenMain: 0 };
    for (const [pid, e] of end) {
      const name = rootOf(pid, end);
      if (!name) continue;
      const s = start.get(pid);
      const own = e.self - (s?.self ?? 0);
      const reaped = e.reaped - (s?.reaped ?? 0);
      if (roots[name] === pid) out[name].self += own;
      else {
        out[name].children += own;
        out[name].childrenMain += e.main - (s?.main ?? 0);
      }
      out[name].children += reaped;
      out[name].childrenMain += reaped;
    }
    // A descendant gone by the end was counted whole in its parent's cutime: take off what it had used before.
    for (const [pid, s] of start) {
      if (end.has(pid)) continue;
      const name = rootOf(pid, start);
      if (name && roots[name] !== pid) {
        out[name].children -= s.self + s.reaped;
        out[name].childrenMain -= s.self + s.reaped;
      }
    }
    return out;
  };
}
