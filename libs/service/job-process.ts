/**
 * V8 options of a job process (BullMQ's sandboxed child on Redis, the embedded mode's job process): a
 * young generation of 64 MB from the start. A mixed job allocates ~50 MB of short-lived JavaScript objects
 * (tfjs tensor bookkeeping, the pipeline's arrays); with V8's default (semi-space growing from 1 MB to
 * 16 MB) they were scavenged 3–4 times per job and many promoted, so the old generation filled and was
 * marked every ~3 jobs, largely on V8's helper threads — CPU that a second worker process on the same
 * cores then lacks. With 64 MB: about one scavenge per job and a mark-compact every ~13 jobs; the job
 * process's CPU off its main thread fell from ~25 to ~12 ms per warm mixed job (in-process loop of 40
 * jobs, load 2–3, session 7), for ~100 MB more resident memory per job process.
 */
export const JOB_PROCESS_V8_FLAGS = ['--min-semi-space-size=64', '--max-semi-space-size=64'];

/** This process's own Node options for a child (an inspector port cannot be shared) plus the job flags. */
export function jobProcessExecArgv(parent: string[] = process.execArgv): string[] {
  const own = parent.filter((a) => !a.startsWith('--inspect') && !/^--(min|max)-semi-space-size/.test(a));
  return [...own, ...JOB_PROCESS_V8_FLAGS];
}
