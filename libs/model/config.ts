/**
 * Configuration of the mixed prediction + post-processing model (Grönquist et al. 2021, DESIGN §2):
 * which fields feed it, the two networks' sizes and the training options. Validated once, up front.
 */
import { InvalidArgumentError } from '../contracts/errors.js';

/** Network sizes. Defaults are smaller than the paper's (7.4 M parameters) so training fits 2 CPU cores. */
export interface NetworkConfig {
  /** BC U-Net base filters (paper: 32). */
  bcFilters: number;
  /** BC U-Net pooling levels (paper: 0–3; grids are padded to a multiple of 2^levels). */
  bcLevels: number;
  /** Weight of the LCN smoothness penalty (mean absolute neighbour difference of W and B); 0 = off. */
  lcnSmoothness: number;
  /** UQ stem width (paper: 64). */
  uqFilters: number;
  /** Number of inception blocks in the UQ ResNet (paper: 10, PyTorch variant 6). */
  uqBlocks: number;
  /** Filters of each of the 3×3 / 5×5 / 7×7 branches in a block (paper: 64 + 4i). */
  uqBranchFilters: number;
}

export interface ModelConfig extends NetworkConfig {
  /** Targets as `<var><level>`, e.g. ['t850', 'z500']; one joint network predicts all of them. */
  targets: string[];
  /** Predictor variables (each at every level in `levels`); the forecast file must hold them all. */
  predictors: string[];
  levels: number[];
  /** Lead times (hours) of the inputs; the last one is the target lead (paper: 0, 24, 48). */
  leads: number[];
  /** Subset size k: members 1..k (the first k members of the file) feed the model (paper: 5). */
  members: number;
  /** Columns of wrap-around halo added on each side in longitude before padding to 2^levels. */
  lonHalo: number;
  /** cos(latitude) weighting of the losses (the paper's code uses none). */
  coslatWeights: boolean;
  /** ε added to softplus so that σ > 0 (in units of the target scale). */
  sigmaEpsilon: number;
}

export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  targets: ['t850', 'z500'],
  predictors: ['z', 't'],
  levels: [500, 850],
  leads: [0, 24, 48],
  members: 5,
  bcFilters: 32,
  bcLevels: 2,
  lcnSmoothness: 1e-3,
  uqFilters: 32,
  uqBlocks: 2,
  uqBranchFilters: 8,
  lonHalo: 4,
  coslatWeights: false,
  sigmaEpsilon: 1e-3,
};

/** `t850` → { variable: 't', level: 850 }. */
export function parseTargetKey(key: string): { variable: string; level: number } {
  const m = /^([a-z_]+?)(\d+)$/i.exec(key);
  if (!m) throw new InvalidArgumentError(`target '${key}' is not <variable><level>, e.g. t850`);
  return { variable: m[1], level: Number(m[2]) };
}

/** Predictor keys in channel order: variable-major, then level (e.g. z500, z850, t500, t850). */
export function predictorKeys(cfg: Pick<ModelConfig, 'predictors' | 'levels'>): string[] {
  return cfg.predictors.flatMap((v) => cfg.levels.map((l) => `${v}${l}`));
}

/** Merge options over the defaults and validate them; throws InvalidArgumentError naming the bad field. */
export function resolveModelConfig(options: Partial<ModelConfig> = {}): ModelConfig {
  const cfg: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...stripUndefined(options) };
  const int = (name: keyof ModelConfig, lo: number, hi: number) => {
    const v = cfg[name] as number;
    if (!Number.isInteger(v) || v < lo || v > hi)
      throw new InvalidArgumentError(
        `model option ${name}=${String(v)} must be an integer in [${lo}, ${hi}]`,
      );
  };
  int('bcFilters', 1, 256);
  int('bcLevels', 0, 4);
  int('uqFilters', 1, 256);
  int('uqBlocks', 0, 16);
  int('uqBranchFilters', 1, 256);
  int('members', 2, 1000);
  int('lonHalo', 0, 64);
  if (!(cfg.lcnSmoothness >= 0)) throw new InvalidArgumentError('model option lcnSmoothness must be ≥ 0');
  if (!(cfg.sigmaEpsilon > 0)) throw new InvalidArgumentError('model option sigmaEpsilon must be > 0');
  if (cfg.targets.length === 0) throw new InvalidArgumentError('model needs at least one target');
  if (cfg.leads.length === 0) throw new InvalidArgumentError('model needs at least one lead time');
  const keys = predictorKeys(cfg);
  for (const t of cfg.targets) {
    parseTargetKey(t);
    if (!keys.includes(t))
      throw new InvalidArgumentError(
        `target ${t} must be one of the predictors × levels (${keys.join(', ')}): add its variable and level`,
      );
  }
  return cfg;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
