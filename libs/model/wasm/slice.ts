/**
 * Slice for the wasm backend without the native kernel's copy of its whole input: tfjs-backend-wasm 4.22's Slice
 * starts with `backend.readSync(x)` (HEAPU8.slice, a fresh ArrayBuffer of all of x) for every slice, then copies
 * the selected part with one `set` per innermost row. The training graphs slice large tensors many times per
 * step (the column windows of Conv2DBackpropFilter, the crop of the padded grid, the LCN's per-target kernel, the
 * gradients of concatenations), so that copy made hundreds of MB of garbage per step; V8's mark-compact
 * collections of it ran on the platform's helper threads, which take a core from the other tensor thread.
 *
 * Here the input is read in place (a view of the wasm heap) and the output is written as the fewest contiguous
 * runs: the trailing axes the slice covers whole are merged with the last partial axis into one run. The result
 * is the same copy of the same values (bit-identical). SplitV (the gradient of concat) and Unpack (of stack) call
 * the native slice directly, so they are rebuilt on this one as the native ones are (slices along the axis).
 * Strings keep the native kernels.
 */
import {
  backend_util,
  slice_util,
  util,
  type KernelFunc,
  type SliceAttrs,
  type SplitVAttrs,
  type TensorInfo,
  type UnpackAttrs,
} from '@tensorflow/tfjs-core';

/** What this kernel needs from tfjs-backend-wasm's BackendWasm. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/**
 * Copy the box `begin`…`begin + size` of `x` (row-major, `shape`) into `out`, run by run.
 * Exported for the unit test (it checks it against tf.slice on the cpu backend).
 */
export function copyBox(
  x: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: number[],
  begin: number[],
  size: number[],
  out: { set(v: ArrayLike<number>, offset: number): void; [i: number]: number },
): void {
  const rank = shape.length;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  const strides = util.computeStrides(shape);
  // Axis k: every axis after it is whole, so one run covers size[k] · stride(k) contiguous values.
  let k = rank - 1;
  while (k > 0 && size[k] === shape[k]) k--;
  const run = size[k] * (k === rank - 1 ? 1 : strides[k]);
  const outer = size.slice(0, k);
  const count = outer.reduce((a, b) => a * b, 1);
  const index = new Array<number>(k).fill(0);
  let base = begin[k] * (k === rank - 1 ? 1 : strides[k]);
  for (let a = 0; a < k; a++) base += begin[a] * strides[a];
  let o = 0;
  for (let n = 0; n < count; n++) {
    let src = base;
    for (let a = 0; a < k; a++) src += index[a] * strides[a];
    if (run >= 16) out.set(x.subarray(src, src + run), o);
    else for (let i = 0; i < run; i++) out[o + i] = x[src + i];
    o += run;
    for (let a = k - 1; a >= 0; a--) {
      if (++index[a] < outer[a]) break;
      index[a] = 0;
    }
  }
}

function sliceOf(backend: HeapBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (util.sizeFromShape(size) === 0) return out;
  // Views only after makeOutput: allocating the output may grow (and so replace) the wasm heap.
  copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  return out;
}

/** Slice kernel for 'wasm' (registerWasmTrainingKernels wraps the native one; strings go to it). */
export function sliceKernel(native: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return native(args);
    const { begin, size } = args.attrs as unknown as SliceAttrs;
    const [b, s] = slice_util.parseSliceParams(x, begin, size);
    return sliceOf(args.backend as unknown as HeapBackend, x, b, s);
  };
}

/** SplitV for 'wasm': consecutive slices along the axis (as the native kernel, without its copies). */
export function splitVKernel(native: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return native(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    const a = util.parseAxisParam(axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, a);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[a] = n;
      const out = sliceOf(args.backend as unknown as HeapBackend, x, begin, size);
      begin[a] += n;
      return out;
    });
  };
}

/** Unpack for 'wasm': one slice per index along the axis, that axis dropped from the shape (as the native kernel). */
export function unpackKernel(native: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.value as TensorInfo;
    if (x.dtype === 'string') return native(args);
    let { axis } = args.attrs as unknown as UnpackAttrs;
    if (axis < 0) axis += x.shape.length;
    const outShape = x.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = [...x.shape];
    size[axis] = 1;
    return Array.from({ length: x.shape[axis] }, (_, i) => {
      begin[axis] = i;
      const { dataId, dtype } = sliceOf(args.backend as unknown as HeapBackend, x, begin, size);
      return { dataId, dtype, shape: outShape };
    });
  };
}
