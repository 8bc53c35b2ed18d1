/**
 * A job's progress as it reaches the queue: whole-percent steps, at most one report per `minMs`, counted from
 * the job's start. A worker's report is an IPC message to its worker process, a Redis script and an event
 * that every API process reads, so a 200 ms job reporting six stages cost the queue more than the job's own
 * fetch and completion did (bench api). A step that comes too soon after the last report (or the start) is
 * held and sent once `minMs` has passed (the latest value only), so a long job still shows where it is and
 * a short one reports nothing until its final state; `stop()` drops a held step when the job has ended.
 */
export interface ProgressThrottle {
  /** Report `fraction` (0–1); resolves once a report that was sent now has been delivered. */
  update(fraction: number): Promise<void>;
  /** Drop a held report (the job finished or failed: its final state says the rest). */
  stop(): void;
}

export function throttleProgress(
  send: (fraction: number) => Promise<void>,
  minMs: number,
  now: () => number = Date.now,
): ProgressThrottle {
  let lastPct = -1;
  let sentAt = now();
  let held: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const deliver = (pct: number): Promise<void> => {
    lastPct = pct;
    sentAt = now();
    // A lost progress report is not worth failing a job for.
    return send(pct / 100).catch(() => undefined);
  };
  return {
    update(fraction) {
      const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
      if (stopped || pct === lastPct) return Promise.resolve();
      const wait = sentAt + minMs - now();
      if (wait <= 0) {
        held = null;
        clearTimeout(timer);
        timer = undefined;
        return deliver(pct);
      }
      held = pct;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (!stopped && held !== null && held !== lastPct) void deliver(held);
        held = null;
      }, wait);
      timer.unref?.();
      return Promise.resolve();
    },
    stop() {
      stopped = true;
      held = null;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
