/**
 * Registers, for the wasm backend, the kernels that training the project's networks needs and tfjs-backend-wasm
 * 4.22 lacks or runs slowly. Found by running the gradient of every op the networks use on wasm
 * (conv2d 1×1…7×7 'same'/'valid', strides 1–2; batchNorm; relu; maxPool 2×2; resizeBilinear ×2; concat;
 * softplus; add/mul/sub/div; mean/sum; sqrt; exp; erf; log; abs; square; matMul):
 * - Conv2DBackpropFilter: missing → every convolution's weight gradient threw. Built from XNNPACK matMuls.
 * - Conv2DBackpropInput: present but a scalar loop ~10× slower than forward conv2d → replaced by a forward conv2d
 *   (falls back to the native kernel for paddings a forward conv cannot express).
 * - MaxPoolGrad: present but drops the gradient of windows whose maximum is negative → rebuilt from
 *   strided slices, equality masks and pads (./maxPoolGrad.ts).
 * - Slice: correct but copies its whole input to a fresh ArrayBuffer at every call (readSync) → reads the heap in
 *   place (./slice.ts); the garbage it made kept V8's collector busy on a second core (bench threads).
 *   SplitV and Unpack, which call the native slice internally, likewise.
 * - Tile: correct but computes every output value's source index on its own (~20–30 ms per broadcast of a scalar
 *   onto the LCN kernel) → block copies on the heap (./tile.ts). tf.broadcastTo and the Sum/Mean gradients use it.
 * - StridedSlice: correct but per-value index arithmetic too (~9 ms per pooling tap in MaxPoolGrad at batch 2) →
 *   row copies on the heap (./stridedSlice.ts).
 * Everything else ran natively and matches the cpu backend (ResizeBilinearGrad, Softplus, Erf, Step, …).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  MaxPoolGrad,
  Slice,
  SplitV,
  StridedSlice,
  Tile,
  Unpack,
  type KernelFunc,
} from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterKernel } from './conv2dBackpropFilter.js';
import { conv2dBackpropInputKernel } from './conv2dBackpropInput.js';
import { maxPoolGradKernel } from './maxPoolGrad.js';
import { sliceKernel, splitVKernel, unpackKernel } from './slice.js';
import { stridedSliceKernel } from './stridedSlice.js';
import { tileKernel } from './tile.js';

/** Marks our kernel functions so a second call (or a second module instance) does not wrap them again. */
const OURS = Symbol.for('epp.wasmTrainingKernel');

function isOurs(fn: KernelFunc | undefined): boolean {
  return fn !== undefined && (fn as unknown as Record<symbol, boolean>)[OURS] === true;
}

function mark(fn: KernelFunc): KernelFunc {
  (fn as unknown as Record<symbol, boolean>)[OURS] = true;
  return fn;
}

/**
 * Idempotent. Call after importing '@tensorflow/tfjs-backend-wasm' (which registers the native kernels) and
 * before the first gradient; selectBackend('wasm') does it. Returns the kernel names now served by this module.
 */
export function registerWasmTrainingKernels(): string[] {
  replace(Conv2DBackpropFilter, conv2dBackpropFilterKernel);
  replace(MaxPoolGrad, maxPoolGradKernel);
  wrapNative(Conv2DBackpropInput, conv2dBackpropInputKernel);
  wrapNative(Slice, sliceKernel);
  wrapNative(SplitV, splitVKernel);
  wrapNative(Unpack, unpackKernel);
  wrapNative(Tile, tileKernel);
  wrapNative(StridedSlice, stridedSliceKernel);
  return [Conv2DBackpropFilter, Conv2DBackpropInput, MaxPoolGrad, Slice, SplitV, Unpack, Tile, StridedSlice];
}

/** Replaces a native wasm kernel by `make(native)`, keeping its setup (it binds the wasm function at init). */
function wrapNative(kernelName: string, make: (native: KernelFunc) => KernelFunc): void {
  const native = tf.getKernel(kernelName, 'wasm');
  if (!native || isOurs(native.kernelFunc)) return;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    setupFunc: native.setupFunc,
    disposeFunc: native.disposeFunc,
    kernelFunc: mark(make(native.kernelFunc)),
  });
}

/** Registers `kernelFunc` for wasm in place of whatever is there (nothing, or a faulty native kernel). */
function replace(kernelName: string, kernelFunc: KernelFunc): void {
  const existing = tf.getKernel(kernelName, 'wasm');
  if (existing && isOurs(existing.kernelFunc)) return;
  if (existing) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: mark(kernelFunc) });
}
