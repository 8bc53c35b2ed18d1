/** Finished forecasts for downloads and queries, with a small cache of loaded products (point queries are hot). */
import { statSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import type { EppConfig } from '../../../libs/contracts/config.js';
import { outputDir, loadForecastResult, type LoadedResult } from '../../../libs/pipeline/forecast/index.js';
import { resolveInRoot } from '../../../libs/service/data-root.js';
import { NotFoundError } from '../../../libs/service/errors.js';
import { resolveForecastResult } from '../../../libs/service/job-paths.js';
import { CONFIG } from '../tokens.js';

const CACHE_SIZE = 16;

@Injectable()
export class ResultsService {
  private readonly cache = new Map<string, { mtime: number; value: Promise<LoadedResult> }>();

  constructor(@Inject(CONFIG) private readonly config: EppConfig) {}

  /** Absolute path of `result.nc` or `result.json` of a finished job (404 when absent). */
  file(id: string, name: 'result.nc' | 'result.json'): string {
    const abs = resolveInRoot(this.config.dataDir, `${outputDir(id)}/${name}`);
    try {
      statSync(abs);
    } catch {
      throw new NotFoundError(`forecast ${id} has no ${name} (unknown id, or the job has not completed)`);
    }
    return abs;
  }

  async load(id: string): Promise<LoadedResult> {
    const json = this.file(id, 'result.json');
    const mtime = statSync(json).mtimeMs;
    const hit = this.cache.get(id);
    if (hit && hit.mtime === mtime) {
      this.cache.delete(id);
      this.cache.set(id, hit);
      return hit.value;
    }
    const value = loadForecastResult(resolveForecastResult(this.config.dataDir, id), id);
    this.cache.set(id, { mtime, value });
    value.catch(() => this.cache.delete(id));
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return value;
  }
}
