/**
 * StridedSlice for the wasm backend, written in JavaScript on the heap. tfjs-backend-wasm 4.22's native kernel
 * (the strided case: not an identity, not a contiguous slice) computes every output value's source index on its
 * own; MaxPoolGrad (./maxPoolGrad.ts) takes a strided slice per pooling tap of a full-resolution activation at
 * every step, and bench threads' per-kernel probe timed those at ≈ 80 ms of a ≈ 430 ms recipe-network BC step
 * (batch 2).
 *
 * Here, with tfjs's own slice_util.sliceInfo (begin/end masks, negative strides), out[loc] = x[begin + loc · strides]
 * (the cpu backend's stridedSliceImpl) is copied row by row: one `set` of a contiguous run when the innermost stride
 * is 1, else an element loop. Pure copies: the same values (bit-identical) as the native kernel. The identity and
 * contiguous cases, ellipsis, new and shrunk axes (output rank ≠ input rank), and strings keep the native kernel.
 */
import {
  slice_util,
  util,
  type KernelFunc,
  type StridedSliceAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

interface HeapBackend {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Values = Float32Array | Int32Array | Uint8Array;

/**
 * out[loc] = x[Σ_a (begin[a] + loc[a] · strides[a]) · stride_x(a)] for every loc of `outShape` (row-major; same
 * rank as `xShape`). Exported for the unit test.
 */
export function stridedCopy(
  x: Values,
  xShape: number[],
  begin: number[],
  strides: number[],
  outShape: number[],
  out: Values,
): void {
  const rank = xShape.length;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  const xStrides = [...util.computeStrides(xShape), 1];
  const last = rank - 1;
  const n = outShape[last];
  const step = strides[last];
  const rows = util.sizeFromShape(outShape.slice(0, last));
  const index = new Array<number>(last).fill(0);
  let base = 0;
  for (let a = 0; a < rank; a++) base += begin[a] * xStrides[a];
  let o = 0;
  for (let r = 0; r < rows; r++) {
    let src = base;
    for (let a = 0; a < last; a++) src += index[a] * strides[a] * xStrides[a];
    if (step === 1) out.set(x.subarray(src, src + n), o);
    else for (let i = 0; i < n; i++) out[o + i] = x[src + i * step];
    o += n;
    for (let a = last - 1; a >= 0; a--) {
      if (++index[a] < outShape[a]) break;
      index[a] = 0;
    }
  }
}

/** StridedSlice kernel for 'wasm' (registerWasmTrainingKernels wraps the native one). */
export function stridedSliceKernel(native: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const a = args.attrs as unknown as StridedSliceAttrs;
    if (x.dtype === 'string' || a.ellipsisMask || a.newAxisMask || a.shrinkAxisMask) return native(args);
    const info = slice_util.sliceInfo(
      x.shape,
      a.begin,
      a.end,
      a.strides,
      a.beginMask,
      a.endMask,
      a.ellipsisMask,
      a.newAxisMask,
      a.shrinkAxisMask,
    );
    if (info.isIdentity || info.sliceDim0 || info.isSimpleSlice) return native(args);
    const backend = args.backend as unknown as HeapBackend;
    // No new or shrunk axes: the output has x's rank and finalShape is the per-axis count.
    const out = backend.makeOutput(info.finalShape, x.dtype);
    if (util.sizeFromShape(info.finalShape) === 0) return out;
    // Views only after makeOutput: allocating the output may grow (and so replace) the wasm heap.
    stridedCopy(
      backend.typedArrayFromHeap(x),
      x.shape,
      info.begin,
      info.strides,
      info.finalShape,
      backend.typedArrayFromHeap(out),
    );
    return out;
  };
}
