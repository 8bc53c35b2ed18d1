/**
 * Turns a function of tfjs ops into a kernel function, so a missing kernel of the wasm backend can be built from
 * the kernels it runs natively (XNNPACK convolutions and matrix products) instead of copying data to the cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/** What a kernel needs from its backend: keep an output's data alive after the wrapping tensor is disposed. */
interface RefCountingBackend {
  incRef(dataId: object): void;
}

/**
 * Wraps `compute(inputs, attrs)` (ordinary tfjs ops on the active backend) as a kernel function.
 * Reference counts live in the backend (the engine's wrappers do not count): each input is wrapped in a tensor
 * that shares its data and holds one extra backend reference, released when `tf.tidy` disposes the wrapper; the
 * result's data gets one extra reference before its wrapper is disposed, so the engine's output tensor owns it.
 */
export function compositeKernel<A extends object>(
  compute: (inputs: Record<string, tf.Tensor>, attrs: A) => tf.Tensor,
): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const engine = tf.engine();
    const counted = backend as unknown as RefCountingBackend;
    const out = tf.tidy(() => {
      const wrapped: Record<string, tf.Tensor> = {};
      for (const [name, info] of Object.entries(inputs)) {
        if (!info) continue;
        counted.incRef(info.dataId);
        wrapped[name] = engine.makeTensorFromTensorInfo(info);
      }
      return compute(wrapped, (attrs ?? {}) as A);
    });
    counted.incRef(out.dataId);
    const info: TensorInfo = { dataId: out.dataId, shape: out.shape, dtype: out.dtype };
    out.dispose();
    return info;
  };
}
