/**
 * Chooses the tensor backend every model computation runs on.
 *
 * Usage (the caller reads EPP_TF_BACKEND / EPP_TF_THREADS once, through libs/contracts/config.ts):
 *   const choice = await selectBackend(config.tfBackend, { threads: config.tfThreads, log: (m) => logger.info(m) });
 *   // choice = { name: 'wasm', reason: '…', threads: 1 }; tf ops now run on that backend.
 *
 * 'auto' takes @tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node (both optional dependencies whose install
 * downloads libtensorflow, so they are imported only dynamically and may be absent or unloadable), else wasm
 * (XNNPACK, shipped inside its npm package, with the training kernels of ./wasm/register.ts), else cpu.
 * A backend asked for by name that cannot load throws BackendUnavailableError saying how to install it.
 * Idempotent: calling again with the same arguments returns the same choice without re-initialising.
 *
 * Importing this module also registers tfjs's gradient functions: tfjs-core's Node bundle does not, tfjs-layers'
 * bundle does (register_all_gradients), and training needs them on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BackendUnavailableError, InvalidArgumentError } from '../contracts/errors.js';
import { registerReductionGradients } from './wasm/reductionGradients.js';
import { registerWasmTrainingKernels } from './wasm/register.js';

export type BackendKind = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendChoice {
  /** The tfjs backend now active (tf.getBackend()). */
  name: BackendName;
  /** Why this one: what was asked for and why the better candidates were not taken. */
  reason: string;
  /** wasm only: XNNPACK threads actually in use. */
  threads?: number;
  /** tensorflow only: the package that provided it. */
  package?: string;
}

export interface SelectBackendOptions {
  /** wasm threads (EPP_TF_THREADS); default DEFAULT_WASM_THREADS. */
  threads?: number;
  /** Receives one line naming the choice and the reason. */
  log?: (msg: string) => void;
}

/**
 * Measured (bench/backends, README "Tensor backends"): under Node, tfjs-backend-wasm 4.22 always loads its
 * single-threaded SIMD binary (its multithread flag is hard-wired false in Node, tfjs issue #3830), so more threads
 * cannot help; 1 is the honest default.
 */
export const DEFAULT_WASM_THREADS = 1;

const NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let cached: { key: string; choice: BackendChoice } | undefined;

/** Select and initialise a backend; see the module comment. */
export async function selectBackend(
  kind: BackendKind,
  opts: SelectBackendOptions = {},
): Promise<BackendChoice> {
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(kind)) {
    throw new InvalidArgumentError(
      `tensor backend ${JSON.stringify(kind)} must be auto, tensorflow, wasm or cpu`,
    );
  }
  const threads = opts.threads ?? DEFAULT_WASM_THREADS;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new InvalidArgumentError(`wasm threads must be a positive integer, got ${threads}`);
  }
  const key = `${kind}:${threads}`;
  if (cached?.key === key && tf.getBackend() === cached.choice.name) return cached.choice;
  const choice = await choose(kind, threads);
  if (choice.threads !== undefined && choice.threads < threads) {
    choice.reason += `; ${threads} wasm threads asked for, ${choice.threads} in use (tfjs-backend-wasm loads its single-threaded binary under Node)`;
  }
  cached = { key, choice };
  const detail = choice.threads === undefined ? '' : ` (threads: ${choice.threads})`;
  opts.log?.(`tensor backend: ${choice.name}${detail} — ${choice.reason}`);
  return choice;
}

async function choose(kind: BackendKind, threads: number): Promise<BackendChoice> {
  if (kind === 'cpu') return { name: 'cpu', reason: 'asked for cpu', ...(await activateCpu()) };
  if (kind === 'wasm') {
    const wasm = await activateWasm(threads);
    if ('error' in wasm) throw new BackendUnavailableError(`the wasm backend failed to start: ${wasm.error}`);
    return { name: 'wasm', reason: 'asked for wasm', threads: wasm.threads };
  }
  const failures: string[] = [];
  for (const pkg of NODE_PACKAGES) {
    const loaded = await activateNode(pkg);
    if (loaded === true) return { name: 'tensorflow', reason: `${pkg} loaded`, package: pkg };
    failures.push(`${pkg} cannot load (${loaded})`);
  }
  if (kind === 'tensorflow') throw new BackendUnavailableError(tensorflowInstallHelp(failures));
  const wasm = await activateWasm(threads);
  if (!('error' in wasm)) return { name: 'wasm', reason: failures.join('; '), threads: wasm.threads };
  failures.push(`wasm failed to start (${wasm.error})`);
  return { name: 'cpu', reason: failures.join('; '), ...(await activateCpu()) };
}

/** true when the package loaded and its 'tensorflow' backend is active, else why not (one line). */
async function activateNode(pkg: string): Promise<true | string> {
  try {
    await import(pkg);
    if (await tf.setBackend('tensorflow')) return true;
    return 'its backend failed to initialise';
  } catch (err) {
    return firstLine(err);
  }
}

let wasmConfigured: { threads: number } | undefined;

async function activateWasm(threads: number): Promise<{ threads: number } | { error: string }> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmConfigured) {
      // In Node the .wasm binaries are read from the package's dist folder, not fetched relative to a script URL.
      const pkgJson = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
      wasm.setWasmPaths(path.join(path.dirname(pkgJson), 'dist') + path.sep);
      wasm.setThreadsCount(threads);
      wasmConfigured = { threads };
    }
    registerWasmTrainingKernels();
    registerReductionGradients();
    if (!(await tf.setBackend('wasm'))) return { error: 'tf.setBackend("wasm") returned false' };
    return { threads: wasm.getThreadsCount() };
  } catch (err) {
    return { error: firstLine(err) };
  }
}

async function activateCpu(): Promise<Record<string, never>> {
  await tf.setBackend('cpu');
  // tfjs-backend-cpu prints "looks like you are running TensorFlow.js in Node.js… install the node backend" on its
  // first write; the choice was deliberate and logged above, so mark the warning as given.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return {};
}

function tensorflowInstallHelp(failures: string[]): string {
  return (
    `EPP_TF_BACKEND=tensorflow but TensorFlow's native backend is not available: ${failures.join('; ')}. ` +
    'Install it on a machine that can download libtensorflow: `npm install @tensorflow/tfjs-node` ' +
    '(GPU: `npm install @tensorflow/tfjs-node-gpu` with CUDA 11.2 + cuDNN 8.1, see docs/gpu.md). npm 11 skips ' +
    'install scripts that are not approved, so approve and run its download step: ' +
    '`npm install-scripts approve @tensorflow/tfjs-node && npm rebuild @tensorflow/tfjs-node`. ' +
    'Or set EPP_TF_BACKEND=wasm (or auto) to train and run on the CPU through WebAssembly.'
  );
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const line = msg.split('\n').find((l) => l.trim() !== '') ?? msg;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

export interface BackendAvailability {
  name: BackendName;
  /** npm package that provides it. */
  package: string;
  available: boolean;
  /** Why not, or what was found. */
  detail: string;
}

/**
 * What could run here, without changing the active backend (for `epp backends`). Node packages are imported to
 * see whether they load; importing one registers its backend but does not select it.
 */
export async function listBackends(): Promise<BackendAvailability[]> {
  const rows: BackendAvailability[] = [];
  for (const pkg of NODE_PACKAGES) {
    try {
      await import(pkg);
      rows.push({ name: 'tensorflow', package: pkg, available: true, detail: 'loads' });
    } catch (err) {
      rows.push({ name: 'tensorflow', package: pkg, available: false, detail: firstLine(err) });
    }
  }
  await import('@tensorflow/tfjs-backend-wasm'); // registers the WASM_HAS_SIMD_SUPPORT flag
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  rows.push({
    name: 'wasm',
    package: '@tensorflow/tfjs-backend-wasm',
    available: 'WebAssembly' in globalThis,
    detail: simd ? 'SIMD binary, single-threaded under Node' : 'plain binary (no WebAssembly SIMD)',
  });
  rows.push({
    name: 'cpu',
    package: '@tensorflow/tfjs-backend-cpu',
    available: true,
    detail: 'pure JavaScript',
  });
  return rows;
}
