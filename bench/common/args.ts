/**
 * Argument parsing shared by the benches (`npm run -s bench -- NAME --flag value …`), the network presets
 * they time, and the child-process protocol of the benches that measure each case's own peak RSS.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '../../libs/contracts/errors.js';
import { resolveModelConfig, type ModelConfig } from '../../libs/model/config.js';

/** The value after `--name`, or `fallback` when the flag is absent (or last). */
export function arg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
}

/** A comma-separated list (`--threads 1,2`), empty items dropped. */
export function listArg(argv: string[], name: string, fallback: string): string[] {
  return arg(argv, name, fallback).split(',').filter(Boolean);
}

/** A comma-separated list of numbers; InvalidArgumentError names the flag when an item is not a number. */
export function numberListArg(argv: string[], name: string, fallback: string): number[] {
  return listArg(argv, name, fallback).map((s) => {
    const x = Number(s);
    if (!Number.isFinite(x)) throw new InvalidArgumentError(`--${name}: '${s}' is not a number`);
    return x;
  });
}

/** scripts/train-default.sh's network. */
export const RECIPE_NETWORK: Partial<ModelConfig> = {
  bcFilters: 16,
  bcLevels: 2,
  uqFilters: 8,
  uqBlocks: 1,
  uqBranchFilters: 4,
};

/** `--network recipe` (the default recipe's sizes) or `default` (the library's defaults). */
export function networkConfig(network: string): ModelConfig {
  if (network !== 'recipe' && network !== 'default')
    throw new InvalidArgumentError(`--network must be recipe or default, got '${network}'`);
  return resolveModelConfig(network === 'recipe' ? RECIPE_NETWORK : {});
}

/**
 * Run `bench NAME --child SPEC …argv` in a fresh Node process (so the case has its own peak RSS) and parse
 * the JSON object on its last stdout line; a crash or wasm abort becomes `failed(reason)` instead.
 */
export function runChild<T>(
  bench: string,
  spec: string,
  argv: string[],
  failed: (error: string, load: { before: number; after: number }) => T,
): Promise<T> {
  const main = fileURLToPath(new URL('../main.js', import.meta.url));
  const before = os.loadavg()[0];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, bench, '--child', spec, ...argv],
      { maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        try {
          resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as T);
        } catch {
          const why = stderr.trim().split('\n').filter(Boolean).at(-1) ?? err?.message ?? 'no output';
          resolve(failed(why.slice(0, 200), { before, after: os.loadavg()[0] }));
        }
      },
    );
  });
}
