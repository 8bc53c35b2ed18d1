/**
 * The nightly batch schedule of the embedded mode (no Redis, so no BullMQ job scheduler): a timer armed
 * for the next fire time of EPP_BATCH_CRON in UTC, re-armed after each fire. The timer is unref'd, so it
 * never keeps the process alive on its own.
 */
import { CronExpressionParser } from 'cron-parser';
import { InvalidArgumentError } from '../../../libs/contracts/errors.js';

/** Node's setTimeout limit (~24.8 days); longer waits are re-armed in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The first fire time of `cron` (5 or 6 fields, UTC) strictly after `now`. */
export function nextFireTime(cron: string, now: Date): Date {
  try {
    return CronExpressionParser.parse(cron, { currentDate: now, tz: 'UTC' }).next().toDate();
  } catch (err) {
    throw new InvalidArgumentError(`cron pattern ${JSON.stringify(cron)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export interface EmbeddedCronOptions {
  cron: string;
  /** Called at each fire time with that time; errors are passed to `onError`, the schedule goes on. */
  onFire: (at: Date) => void | Promise<void>;
  onError?: (err: unknown) => void;
  now?: () => Date;
}

export class EmbeddedCron {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly now: () => Date;

  constructor(private readonly opts: EmbeddedCronOptions) {
    this.now = opts.now ?? (() => new Date());
    nextFireTime(opts.cron, this.now()); // validate once, at configuration
  }

  /** Arm the timer for the next fire time; returns that time. */
  start(): Date {
    this.stopped = false;
    const at = nextFireTime(this.opts.cron, this.now());
    this.arm(at);
    return at;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(at: Date): void {
    if (this.stopped) return;
    const wait = Math.max(0, at.getTime() - this.now().getTime());
    this.timer = setTimeout(
      () => {
        if (wait > MAX_TIMEOUT_MS) return this.arm(at);
        void Promise.resolve()
          .then(() => this.opts.onFire(at))
          .catch((err) => this.opts.onError?.(err))
          .finally(() => this.arm(nextFireTime(this.opts.cron, at)));
      },
      Math.min(wait, MAX_TIMEOUT_MS),
    );
    this.timer.unref();
  }
}
