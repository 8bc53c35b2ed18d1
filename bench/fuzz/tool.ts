/**
 * A reference tool (ncdump, grib_get_data) run asynchronously in its own process with a wall-time limit and an
 * output cap, so the fuzzer's parent never blocks: a synchronous run would freeze the timers and pipes of the
 * cases running beside it (a case finishing during a 20 s ncdump was then classified as a hang).
 */
import { spawn } from 'node:child_process';

export interface ToolResult {
  /** 'ENOENT' (not installed), 'timeout', 'overflow' (more than maxBytes printed), or undefined. */
  failure?: 'ENOENT' | 'timeout' | 'overflow';
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runTool(
  cmd: string,
  args: string[],
  timeoutMs: number,
  maxBytes: number,
): Promise<ToolResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let failure: ToolResult['failure'];
    const timer = setTimeout(() => {
      failure ??= 'timeout';
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > maxBytes) {
        failure ??= 'overflow';
        child.kill('SIGKILL');
      } else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (err.length < 4096) err += d.toString('latin1');
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({
        failure: e.code === 'ENOENT' ? 'ENOENT' : failure,
        status: null,
        signal: null,
        stdout: '',
        stderr: String(e),
      });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ failure, status, signal, stdout: Buffer.concat(out).toString('latin1'), stderr: err });
    });
  });
}
