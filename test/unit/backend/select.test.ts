/** selectBackend: auto falls back to wasm here, named backends that cannot load fail with install help. */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { listBackends, selectBackend, type BackendKind } from '../../../libs/model/backend.js';

/** True when @tensorflow/tfjs-node really loads on this machine (then the "cannot load" tests do not apply). */
async function nodeBackendLoads(): Promise<boolean> {
  const spec: string = '@tensorflow/tfjs-node';
  return import(spec).then(
    () => true,
    () => false,
  );
}

describe('selectBackend', () => {
  it('tensorflow, when tfjs-node cannot load, fails with a message saying how to install it', async () => {
    if (await nodeBackendLoads()) {
      console.warn('skipped: @tensorflow/tfjs-node loads on this machine');
      return;
    }
    const err: unknown = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const msg = (err as Error).message;
    expect(msg).toContain('npm install @tensorflow/tfjs-node');
    expect(msg).toContain('npm install-scripts approve');
    expect(msg).toContain('@tensorflow/tfjs-node-gpu cannot load');
    expect((err as BackendUnavailableError).code).toBe('BACKEND_UNAVAILABLE');
  });

  it('auto takes wasm when the native backends cannot load, says why, and is idempotent', async () => {
    if (await nodeBackendLoads()) return;
    const lines: string[] = [];
    const first = await selectBackend('auto', { log: (m) => lines.push(m) });
    expect(first.name).toBe('wasm');
    expect(first.threads).toBe(1);
    expect(first.reason).toContain('@tensorflow/tfjs-node cannot load');
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tensor backend: wasm/);
    const again = await selectBackend('auto', { log: (m) => lines.push(m) });
    expect(again).toBe(first);
    expect(lines).toHaveLength(1);
  });

  it('switches between wasm and cpu by name', async () => {
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(
      tf.tidy(
        () =>
          tf
            .sum(tf.conv2d(tf.ones<tf.Rank.R4>([1, 3, 3, 1]), tf.ones<tf.Rank.R4>([3, 3, 1, 1]), 1, 'same'))
            .dataSync()[0],
      ),
    ).toBe(4 * 4 + 4 * 6 + 9); // ones conv ones: corners see 4 taps, edges 6, the centre 9
  });

  it('reports the wasm threads actually in use when more are asked for', async () => {
    const choice = await selectBackend('wasm', { threads: 2 });
    expect(choice.threads).toBe(1);
    expect(choice.reason).toContain('2 wasm threads asked for, 1 in use');
  });

  it.each<[string, unknown]>([
    ['an unknown backend', ['gpu']],
    ['zero threads', ['wasm', { threads: 0 }]],
  ])('rejects %s', async (_name, args) => {
    const [kind, opts] = args as [BackendKind, { threads: number }];
    await expect(selectBackend(kind, opts)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('lists what can run here', async () => {
    const rows = await listBackends();
    expect(rows.map((r) => r.package)).toEqual([
      '@tensorflow/tfjs-node-gpu',
      '@tensorflow/tfjs-node',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-cpu',
    ]);
    expect(rows.find((r) => r.name === 'wasm')?.available).toBe(true);
  });
});
