/**
 * `npm run -s bench -- backends [--json] [--backends tensorflow,wasm,cpu] [--runs 5] [--cpu-runs 3]`
 *
 * Per available backend and network: forward ms and training-step ms (median after one warm-up), FLOPs per
 * step, achieved GFLOP/s, next to that backend's float32 matMul peak (1024² · 1024², measured in the same run).
 */
import * as tf from '@tensorflow/tfjs-core';
import { printResults, median } from '../report.js';
import { selectBackend, type BackendName } from '../../libs/model/backend.js';
import { describeError } from '../../libs/contracts/errors.js';
import { networks, type BenchNetwork } from './networks.js';
import { arg } from '../common/args.js';

interface Timing {
  forward_ms: number;
  train_step_ms: number;
  gflops: number;
  forward_gflops: number;
  train_flops: number;
  runs: number;
}

async function timeIt(runs: number, f: () => Promise<void>): Promise<number> {
  await f(); // warm-up: kernel setup, weight packing, allocation
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    await f();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** float32 matMul GFLOP/s of the active backend on 1024 × 1024 operands. */
async function matMulPeak(runs: number): Promise<number> {
  const n = 1024;
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const ms = await timeIt(runs, async () => {
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
  });
  tf.dispose([a, b]);
  return (2 * n ** 3) / (ms * 1e6);
}

async function timeNetwork(spec: BenchNetwork, runs: number): Promise<Timing> {
  const net = spec.build();
  const x = tf.randomNormal(spec.inputShape, 0, 1, 'float32', 3);
  const yShape = tf.tidy(() => net.apply(x).shape);
  const target = tf.randomNormal(yShape, 0, 1, 'float32', 4);
  const optimizer = tf.train.sgd(1e-3);
  const forward = await timeIt(runs, async () => {
    const y = tf.tidy(() => net.apply(x));
    await y.data();
    y.dispose();
  });
  const step = await timeIt(runs, async () => {
    const loss = optimizer.minimize(
      () => tf.mean(tf.square(tf.sub(net.apply(x), target))),
      true,
      net.variables,
    );
    await loss!.data();
    loss!.dispose();
  });
  tf.dispose([x, target]);
  optimizer.dispose();
  net.dispose();
  return {
    forward_ms: forward,
    train_step_ms: step,
    gflops: net.trainFlops / (step * 1e6),
    forward_gflops: net.forwardFlops / (forward * 1e6),
    train_flops: net.trainFlops,
    runs,
  };
}

export async function run(argv: string[]): Promise<void> {
  const asJson = argv.includes('--json');
  const wanted = arg(argv, 'backends', 'tensorflow,wasm,cpu').split(',') as BackendName[];
  const runs = Number(arg(argv, 'runs', '5'));
  const cpuRuns = Number(arg(argv, 'cpu-runs', '3'));
  const json: Record<string, unknown> = {};
  const peak: Record<string, number> = {};
  const unavailable: Record<string, string> = {};
  const rows: (string | number)[][] = [];
  for (const backend of wanted) {
    try {
      await selectBackend(backend);
    } catch (err) {
      unavailable[backend] = describeError(err);
      continue;
    }
    const n = backend === 'cpu' ? cpuRuns : runs;
    peak[backend] = await matMulPeak(n);
    process.stderr.write(`${backend}: matMul peak ${peak[backend].toFixed(2)} GFLOP/s\n`);
    for (const spec of networks) {
      const t = await timeNetwork(spec, n);
      process.stderr.write(`${spec.name} on ${backend}: train step ${t.train_step_ms.toFixed(0)} ms\n`);
      ((json[spec.name] ??= {}) as Record<string, Timing>)[backend] = t;
      rows.push([
        spec.name,
        backend,
        t.forward_ms,
        t.train_step_ms,
        t.train_flops / 1e9,
        t.gflops,
        peak[backend],
        t.gflops / peak[backend],
      ]);
    }
  }
  json.peak_gflops = peak;
  const ratios: Record<string, number> = {};
  for (const spec of networks) {
    const byBackend = json[spec.name] as Record<string, Timing> | undefined;
    if (byBackend?.wasm && byBackend.cpu)
      ratios[spec.name] = byBackend.cpu.train_step_ms / byBackend.wasm.train_step_ms;
  }
  json.train_speedup_wasm_over_cpu = ratios;
  json.unavailable = unavailable;
  json.machine = { node: process.version, wasm_threads: 1 };
  printResults(
    json,
    {
      header: [
        'network',
        'backend',
        'forward ms',
        'train step ms',
        'GFLOP/step',
        'GFLOP/s',
        'matMul peak',
        'of peak',
      ],
      rows,
    },
    asJson,
  );
  for (const [b, why] of Object.entries(unavailable)) process.stdout.write(`${b}: unavailable — ${why}\n`);
}
