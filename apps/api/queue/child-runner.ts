/**
 * Runs the embedded mode's jobs off the API's event loop: each job goes to a forked job process
 * (workers/postprocess/embedded-child.ts) that runs the queue's BullMQ sandboxed processor file, so a
 * report or a training run never stalls /health or point queries. An idle process is kept for the next
 * job (tfjs and the model stay loaded); cancelling a job kills its process (SIGKILL: it stops at once,
 * whatever it was doing) and the queue then removes its partial outputs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EppConfig } from '../../../libs/contracts/config.js';
import { EppError } from '../../../libs/contracts/errors.js';
import { decodeJobError, type ProgressFn, type QueueName } from '../../../libs/contracts/jobs.js';
import { jobProcessExecArgv } from '../../../libs/service/job-process.js';

/** The built job-process script (dist/…/embedded-child.js), also when this module runs from source. */
export function childScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const fromDist = path.resolve(here, '../../../workers/postprocess/embedded-child.js');
  if (import.meta.url.endsWith('.js')) return fromDist;
  return path.resolve(here, '../../../dist/workers/postprocess/embedded-child.js');
}

/** The environment of a job process: the parent's, with the settings the runner reads taken from `config`. */
function childEnv(config: EppConfig): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    EPP_DATA_DIR: config.dataDir,
    EPP_TF_BACKEND: config.tfBackend,
    EPP_JOB_DELAY_MS: String(config.jobDelayMs),
    EPP_LOG_LEVEL: config.logLevel,
  };
  if (config.tfThreads !== undefined) env.EPP_TF_THREADS = String(config.tfThreads);
  else delete env.EPP_TF_THREADS;
  // A job process is not a worker of a Redis deployment.
  delete env.REDIS_URL;
  return env;
}

interface ChildMessage {
  type: 'progress' | 'done' | 'error';
  value?: number;
  result?: unknown;
  name?: string;
  message?: string;
}

/** A job process's failure as the typed error the processor threw (code and permanence kept). */
function errorOf(m: ChildMessage): Error {
  const { code, message } = decodeJobError(m.message);
  return new EppError(code, message, { permanent: m.name === 'UnrecoverableError' });
}

export class ChildJobRunner {
  private readonly idle: ChildProcess[] = [];
  private readonly all = new Set<ChildProcess>();
  private readonly script: string;

  constructor(
    private readonly config: EppConfig,
    private readonly maxIdle = 1,
  ) {
    this.script = childScript();
    if (!existsSync(this.script))
      throw new Error(
        `${this.script} is missing: run \`npm run build\` (the embedded job processes run the build)`,
      );
  }

  private spawn(): ChildProcess {
    const child = fork(this.script, [], {
      env: childEnv(this.config),
      execArgv: jobProcessExecArgv(),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    this.all.add(child);
    child.once('exit', () => {
      this.all.delete(child);
      const i = this.idle.indexOf(child);
      if (i >= 0) this.idle.splice(i, 1);
    });
    child.on('error', () => undefined);
    return child;
  }

  /** Run one job in a job process; rejects with the processor's typed error, or the signal's reason. */
  run(
    queue: QueueName,
    id: string,
    data: unknown,
    ctx: { onProgress: ProgressFn; signal: AbortSignal },
  ): Promise<unknown> {
    if (ctx.signal.aborted) return Promise.reject(ctx.signal.reason as Error);
    let child = this.idle.pop();
    while (child && (child.exitCode !== null || child.signalCode !== null || !child.connected))
      child = this.idle.pop();
    const proc = child ?? this.spawn();
    // A busy job process keeps this process alive; an idle one does not (see release).
    proc.ref();
    proc.channel?.ref();
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        ctx.signal.removeEventListener('abort', onAbort);
      };
      const release = () => {
        if (this.idle.length < this.maxIdle && proc.connected) {
          proc.unref();
          proc.channel?.unref();
          this.idle.push(proc);
        } else proc.kill('SIGKILL');
      };
      const onMessage = (m: ChildMessage) => {
        if (m.type === 'progress' && typeof m.value === 'number') {
          void Promise.resolve(ctx.onProgress(m.value)).catch(() => undefined);
        } else if (m.type === 'done') {
          cleanup();
          release();
          resolve(m.result);
        } else if (m.type === 'error') {
          cleanup();
          release();
          reject(errorOf(m));
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        // A crash (out of memory, a native fault) is transient: the queue may retry it.
        reject(
          new EppError('INTERNAL', `job process exited (${signal ?? `code ${code}`})`, { permanent: false }),
        );
      };
      const onAbort = () => {
        cleanup();
        proc.kill('SIGKILL');
        reject(ctx.signal.reason as Error);
      };
      proc.on('message', onMessage);
      proc.once('exit', onExit);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      proc.send({ type: 'run', queue, id, data });
    });
  }

  /** Kill every job process (idle ones at close; running ones are aborted by their queue first). */
  close(): void {
    for (const c of this.all) c.kill('SIGKILL');
    this.idle.length = 0;
  }
}
