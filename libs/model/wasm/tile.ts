/**
 * Tile for the wasm backend, written in JavaScript on the heap. tfjs-backend-wasm 4.22's native Tile computes the
 * source index of every output value separately (an unravel/ravel per value), and training tiles large tensors at
 * every step: tf.broadcastTo is a Tile, and the gradients of Sum and Mean (./reductionGradients.ts) broadcast dy back
 * to the reduced input's shape — a scalar onto the LCN kernel (smoothness penalty, ≈ 262 k values) or the
 * per-target sums onto [b, h, w, c]. bench threads' per-kernel probe timed those Tiles at ≈ 20–30 ms each (recipe
 * network), against ≈ 0.5 ms for an elementwise op of the same size.
 *
 * Here each output block is built once and then repeated with copyWithin: along axis a, output index
 * o = rep · s[a] + i (s the input shape), so the block of reps 0 (i = 0 … s[a] − 1) is contiguous and the other reps
 * are copies of it. Pure copies: the result is the same values (bit-identical) as the native kernel. Strings keep
 * the native kernel.
 */
import { util, type KernelFunc, type TensorInfo, type TileAttrs } from '@tensorflow/tfjs-core';

interface HeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Values = Float32Array | Int32Array | Uint8Array;

/**
 * Tile `x` (row-major, shape `shape`) by `reps` into `out` (shape[k] · reps[k] along each axis). Exported for the
 * unit test (it checks it against tf.tile on the cpu backend).
 */
export function tileInto(x: Values, shape: number[], reps: number[], out: Values): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  const inStrides = util.computeStrides(shape);
  // Values per output index along each axis (the product of the output shape after it).
  const outInner = new Array<number>(rank);
  outInner[rank - 1] = 1;
  for (let a = rank - 2; a >= 0; a--) outInner[a] = outInner[a + 1] * shape[a + 1] * reps[a + 1];
  const build = (a: number, src: number, dst: number): void => {
    const n = shape[a];
    if (a === rank - 1) {
      if (n === 1) out.fill(x[src], dst, dst + reps[a]);
      else {
        out.set(x.subarray(src, src + n), dst);
        for (let r = 1; r < reps[a]; r++) out.copyWithin(dst + r * n, dst, dst + n);
      }
      return;
    }
    const stride = a === rank - 1 ? 1 : inStrides[a];
    for (let i = 0; i < n; i++) build(a + 1, src + i * stride, dst + i * outInner[a]);
    const block = n * outInner[a];
    for (let r = 1; r < reps[a]; r++) out.copyWithin(dst + r * block, dst, dst + block);
  };
  build(0, 0, 0);
}

/** Tile kernel for 'wasm' (registerWasmTrainingKernels wraps the native one; strings go to it). */
export function tileKernel(native: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return native(args);
    const { reps } = args.attrs as unknown as TileAttrs;
    const backend = args.backend as unknown as HeapBackend;
    const outShape = x.shape.map((n, k) => n * reps[k]);
    const out = backend.makeOutput(outShape, x.dtype);
    if (util.sizeFromShape(outShape) === 0) return out;
    // Views only after makeOutput: allocating the output may grow (and so replace) the wasm heap.
    tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
    return out;
  };
}
