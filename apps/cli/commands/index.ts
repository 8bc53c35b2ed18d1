import type { Command } from 'commander';
import { registerTestbed } from './testbed.js';

/** Every `epp` sub-command registers itself here (one line each). */
export function registerCommands(program: Command): void {
  registerTestbed(program);
  void program;
}
