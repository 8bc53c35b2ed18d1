/**
 * Training options as clients give them (POST /v1/models `options`, `epp train` flags): every field known,
 * typed and in range, or an InvalidArgumentError naming the field. Unknown fields are rejected, not ignored
 * (`{"epochz": 1}` is a typo, not a request for the default).
 */
import { InvalidArgumentError } from '../../contracts/errors.js';

export interface TrainJobOptions {
  task: 'bc' | 'uq' | 'mixed';
  epochs: number;
  fineTuneEpochs?: number;
  batchSize?: number;
  learningRate?: number;
  learningRateDecay?: number;
  patience?: number;
  members?: number;
  maxTrainSamples?: number;
  seed?: number;
  lcnBiasInit?: 'zero' | 'mean-residual';
}

type Spec =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'number'; min: number; max: number; minExclusive?: boolean }
  | { kind: 'enum'; values: readonly string[] };

/** Every option with its type and range (the defaults are trainModel's; runTrainJob's epochs default is 10). */
export const TRAIN_OPTION_SPECS: Record<keyof TrainJobOptions, Spec> = {
  task: { kind: 'enum', values: ['bc', 'uq', 'mixed'] },
  epochs: { kind: 'int', min: 1, max: 1000 },
  fineTuneEpochs: { kind: 'int', min: 0, max: 1000 },
  batchSize: { kind: 'int', min: 1, max: 256 },
  learningRate: { kind: 'number', min: 0, max: 1, minExclusive: true },
  learningRateDecay: { kind: 'number', min: 0, max: 1, minExclusive: true },
  patience: { kind: 'int', min: 1, max: 1000 },
  members: { kind: 'int', min: 1, max: 1000 },
  maxTrainSamples: { kind: 'int', min: 1, max: 10_000_000 },
  seed: { kind: 'int', min: 0, max: 2 ** 31 - 1 },
  lcnBiasInit: { kind: 'enum', values: ['zero', 'mean-residual'] },
};

const KNOWN = Object.keys(TRAIN_OPTION_SPECS);

function describe(spec: Spec): string {
  if (spec.kind === 'enum') return `one of ${spec.values.join(', ')}`;
  const lo = spec.kind === 'number' && spec.minExclusive ? `(${spec.min}` : `[${spec.min}`;
  return `${spec.kind === 'int' ? 'an integer' : 'a number'} in ${lo}, ${spec.max}]`;
}

/**
 * Check and type a training-options object. `name` maps an option to the name the caller's user knows
 * (`options.epochs` for the API, `--epochs` for the CLI). Numbers may arrive as numeric strings.
 */
export function normaliseTrainOptions(
  input: unknown,
  name: (key: string) => string = (k) => `options.${k}`,
): TrainJobOptions {
  if (input === undefined || input === null) return { task: 'mixed', epochs: 10 };
  if (typeof input !== 'object' || Array.isArray(input))
    throw new InvalidArgumentError('options must be an object of training options');
  const raw = input as Record<string, unknown>;
  const unknown = Object.keys(raw).filter((k) => !KNOWN.includes(k));
  if (unknown.length)
    throw new InvalidArgumentError(
      `${unknown.map(name).join(', ')}: not a training option (known: ${KNOWN.join(', ')})`,
    );
  const out: Record<string, unknown> = {};
  for (const key of KNOWN) {
    const v = raw[key];
    if (v === undefined) continue;
    const spec = TRAIN_OPTION_SPECS[key as keyof TrainJobOptions];
    const bad = () =>
      new InvalidArgumentError(`${name(key)} must be ${describe(spec)}, got ${JSON.stringify(v)}`);
    if (spec.kind === 'enum') {
      if (typeof v !== 'string' || !spec.values.includes(v)) throw bad();
      out[key] = v;
      continue;
    }
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw bad();
    if (spec.kind === 'int' && !Number.isInteger(n)) throw bad();
    const lowOk = spec.kind === 'number' && spec.minExclusive ? n > spec.min : n >= spec.min;
    if (!lowOk || n > spec.max) throw bad();
    out[key] = n;
  }
  return { task: 'mixed', epochs: 10, ...out };
}
