/** jobProcessExecArgv: the parent's Node options without inspector or young-generation flags, then the job process's. */
import { execFileSync } from 'node:child_process';
import { JOB_PROCESS_V8_FLAGS, jobProcessExecArgv } from '../../../libs/service/job-process.js';

describe('jobProcessExecArgv', () => {
  test('keeps the parent options, drops --inspect and its own semi-space flags, appends the job flags', () => {
    const argv = jobProcessExecArgv([
      '--enable-source-maps',
      '--inspect=9229',
      '--max-semi-space-size=8',
      '--max-old-space-size=4096',
    ]);
    expect(argv).toEqual(['--enable-source-maps', '--max-old-space-size=4096', ...JOB_PROCESS_V8_FLAGS]);
  });

  test('node accepts the flags', () => {
    const out = execFileSync(
      process.execPath,
      [...JOB_PROCESS_V8_FLAGS, '-e', 'process.stdout.write("ok")'],
      {
        encoding: 'utf8',
      },
    );
    expect(out).toBe('ok');
  });
});
