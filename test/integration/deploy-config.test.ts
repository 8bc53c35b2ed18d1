/** docker-compose.yml and the Dockerfile cannot be run here (no Docker engine): check what they promise. */
import { readFileSync } from 'node:fs';

// js-yaml comes with the dev toolchain (eslint); loaded by name so the test needs no type package.
const jsYaml = 'js-yaml';
const { load } = (await import(jsYaml)) as { load: (text: string) => unknown };

type Service = {
  command: string[];
  environment: Record<string, unknown>;
  deploy?: {
    resources: { reservations: { devices: { driver: string; count: number; capabilities: string[] }[] } };
  };
  build?: { args?: Record<string, string> };
};

describe('deployment files', () => {
  const compose = load(readFileSync('docker-compose.yml', 'utf8')) as {
    services: Record<string, Service>;
  };
  const env = (s: Service) => ({ ...(s.environment['<<'] as object), ...s.environment });

  test('redis keeps queued jobs: AOF on, no eviction', () => {
    const cmd = compose.services.redis.command.join(' ');
    expect(cmd).toMatch(/--appendonly yes/);
    expect(cmd).toMatch(/--maxmemory-policy noeviction/);
  });

  test('api, CPU worker (wasm) and GPU worker (tensorflow + NVIDIA reservation) share Redis and the data root', () => {
    const { api, worker } = compose.services;
    const gpu = compose.services['worker-gpu'];
    expect(api.command).toEqual(['node', 'dist/apps/api/main.js']);
    expect(worker.command).toEqual(['node', 'dist/workers/postprocess/main.js']);
    for (const s of [api, worker, gpu])
      expect(env(s)).toMatchObject({ REDIS_URL: 'redis://redis:6379', EPP_DATA_DIR: '/data' });
    expect(env(worker).EPP_TF_BACKEND).toBe('wasm');
    expect(env(gpu).EPP_TF_BACKEND).toBe('tensorflow');
    expect(gpu.build?.args?.GPU).toBe('1');
    expect(gpu.deploy!.resources.reservations.devices).toEqual([
      { driver: 'nvidia', count: 1, capabilities: ['gpu'] },
    ]);
  });

  test('the GPU image variant installs tfjs-node-gpu with its install script', () => {
    const docker = readFileSync('Dockerfile', 'utf8');
    expect(docker).toMatch(/npm install[^\n]*--foreground-scripts[^\n]*@tensorflow\/tfjs-node-gpu/);
    expect(docker).not.toMatch(/--ignore-scripts(?!=false)[^\n]*tfjs-node-gpu/);
  });
});
