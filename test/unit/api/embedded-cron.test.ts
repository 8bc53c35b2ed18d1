/** The embedded mode's nightly schedule: next fire times of a cron in UTC, and the timer firing on time. */
import { jest } from '@jest/globals';
import { EmbeddedCron, nextFireTime } from '../../../apps/api/queue/embedded-cron.js';

describe('nextFireTime (UTC)', () => {
  test('the default nightly cron fires at 02:00 UTC the same day or the next', () => {
    expect(nextFireTime('0 2 * * *', new Date('2026-11-25T01:59:59Z')).toISOString()).toBe(
      '2026-11-25T02:00:00.000Z',
    );
    expect(nextFireTime('0 2 * * *', new Date('2026-11-25T20:00:00Z')).toISOString()).toBe(
      '2026-11-26T02:00:00.000Z',
    );
    // Strictly after now: at exactly 02:00 the next fire is tomorrow's.
    expect(nextFireTime('0 2 * * *', new Date('2026-11-25T02:00:00Z')).toISOString()).toBe(
      '2026-11-26T02:00:00.000Z',
    );
  });

  test('UTC regardless of the process time zone, across month and year ends, weekdays, seconds', () => {
    expect(nextFireTime('30 23 31 12 *', new Date('2026-12-31T23:31:00Z')).toISOString()).toBe(
      '2027-12-31T23:30:00.000Z',
    );
    // Mondays at 06:15: 2026-11-25 is a Wednesday → Monday 2026-11-30.
    expect(nextFireTime('15 6 * * 1', new Date('2026-11-25T12:00:00Z')).toISOString()).toBe(
      '2026-11-30T06:15:00.000Z',
    );
    expect(nextFireTime('*/20 * * * * *', new Date('2026-11-25T12:00:05Z')).toISOString()).toBe(
      '2026-11-25T12:00:20.000Z',
    );
  });

  test('a bad pattern is a typed error naming it', () => {
    expect(() => nextFireTime('61 2 * * *', new Date())).toThrow(/cron pattern "61 2 \* \* \*"/);
    expect(() => new EmbeddedCron({ cron: 'nope', onFire: () => undefined })).toThrow(/INVALID|cron/);
  });
});

describe('EmbeddedCron timer', () => {
  afterEach(() => jest.useRealTimers());

  test('fires at each fire time and re-arms; stop() ends it', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-25T01:59:00Z') });
    const fired: string[] = [];
    const cron = new EmbeddedCron({ cron: '0 2 * * *', onFire: (at) => void fired.push(at.toISOString()) });
    expect(cron.start().toISOString()).toBe('2026-11-25T02:00:00.000Z');
    await jest.advanceTimersByTimeAsync(59_000);
    expect(fired).toEqual([]);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(fired).toEqual(['2026-11-25T02:00:00.000Z']);
    await jest.advanceTimersByTimeAsync(24 * 3600_000);
    expect(fired).toEqual(['2026-11-25T02:00:00.000Z', '2026-11-26T02:00:00.000Z']);
    cron.stop();
    await jest.advanceTimersByTimeAsync(48 * 3600_000);
    expect(fired).toHaveLength(2);
  });
});
