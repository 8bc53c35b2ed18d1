import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A Redis for queue tests: REDIS_URL when set, else a private `redis-server` on a free loopback port.
 * When neither is possible the tests skip with a message, except under EPP_REQUIRE_REDIS (CI), where
 * they fail.
 */
export interface TestRedis {
  url: string;
  /** Restart the private server (same port, same AOF dir); only for servers this helper started. */
  restart?: () => Promise<void>;
  /** Stop the private server but keep its folder, until `restart` (an outage); only for servers started here. */
  down?: () => Promise<void>;
  stop: () => Promise<void>;
}

export function redisServerAvailable(): boolean {
  return !!process.env.REDIS_URL || spawnSync('redis-server', ['--version']).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Start (or reuse) a Redis. `appendonly` turns on AOF so restarts keep queued jobs. */
export async function startRedis(opts: { appendonly?: boolean } = {}): Promise<TestRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'epp-redis-'));
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--dir',
        dir,
        '--appendonly',
        opts.appendonly ? 'yes' : 'no',
        '--appendfsync',
        'always',
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    restart: async () => {
      await kill();
      await launch();
    },
    down: kill,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `describe` for tests that need Redis: skips with a message, or fails under EPP_REQUIRE_REDIS. */
export function describeRedis(name: string, fn: () => void): void {
  if (redisServerAvailable()) {
    describe(name, fn);
    return;
  }
  if (process.env.EPP_REQUIRE_REDIS) {
    describe(name, () => {
      test('redis is available', () => {
        throw new Error('neither REDIS_URL nor redis-server is available; CI must run the queue tests');
      });
    });
    return;
  }
  console.warn(`[skip] ${name}: no REDIS_URL and no redis-server on PATH`);
  describe.skip(name, fn);
}
