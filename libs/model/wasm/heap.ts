/**
 * Moving tensor values between the wasm heap and other memory without a temporary copy: tfjs's dataSync()
 * returns a fresh ArrayBuffer each time (wasm: HEAPU8.slice), and such garbage keeps V8's collector busy on
 * the helper threads that the tensor threads need (bench threads). On other backends the plain tfjs calls are used.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

interface HeapBackend {
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

function heapBackend(): HeapBackend | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = tf.backend() as unknown as Partial<HeapBackend>;
  return typeof b.typedArrayFromHeap === 'function' ? (b as HeapBackend) : null;
}

/** Copy float32 tensor `t`'s values into `dest` at `offset` (wasm: straight from the heap). */
export function readInto(t: tf.Tensor, dest: Float32Array, offset = 0): void {
  const b = t.dtype === 'float32' ? heapBackend() : null;
  dest.set(b ? b.typedArrayFromHeap(t) : t.dataSync(), offset);
}

/**
 * A float32 tensor holding a copy of `values`, which may be a view of shared memory that changes later: the wasm
 * backend copies into its heap when the tensor is made; other backends may keep the array, so they get a copy.
 */
export function tensorFromView(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(heapBackend() ? values : values.slice(), shape, 'float32');
}
