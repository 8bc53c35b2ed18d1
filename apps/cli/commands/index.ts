import type { Command } from 'commander';
import { registerBatch } from './batch.js';
import { registerConvert } from './convert.js';
import { registerEmos } from './emos.js';
import { registerInspect } from './inspect.js';
import { registerReport } from './report.js';
import { registerScore } from './score.js';
import { registerTestbed } from './testbed.js';
import { registerTrain } from './train.js';
import { registerPostprocess } from './postprocess.js';
import { registerEvaluate } from './evaluate.js';
import { registerBackends } from './backends.js';
import { registerSites } from './sites.js';

/** Every `epp` sub-command registers itself here (one line each). */
export function registerCommands(program: Command): void {
  registerInspect(program);
  registerBatch(program);
  registerScore(program);
  registerEmos(program);
  registerTestbed(program);
  registerConvert(program);
  registerTrain(program);
  registerPostprocess(program);
  registerEvaluate(program);
  registerReport(program);
  registerBackends(program);
  registerSites(program);
  void program;
}
