import { readEnsemble } from '../../../libs/ensemble/read.js';
import { inspectFile } from '../../../libs/netcdf/inspect.js';

/** The shipped README demo file (scripts/fixtures/makeSample.ts): synthetic, 10 members, t at 850 hPa. */
const SAMPLE = 'data/samples/ensemble-t850.nc';

test('the shipped sample is a 10-member ensemble the README demo can inspect and read', async () => {
  const r = await inspectFile(SAMPLE);
  expect(r.format).toBe('nc3-64bit-offset');
  expect(r.memberAxis).toEqual({ name: 'number', size: 10 });
  const fields = await readEnsemble(SAMPLE, { variable: 't', level: 850 });
  expect(fields.map((f) => new Date(f.validTime * 1000).toISOString())).toEqual([
    '2017-02-20T00:00:00.000Z',
    '2017-02-21T00:00:00.000Z',
    '2017-02-22T00:00:00.000Z',
  ]);
  const f = fields[1];
  expect([f.members.length, f.ny, f.nx, f.units]).toEqual([10, 37, 72, 'K']);
  const valid = Array.from(f.data).filter((x) => !Number.isNaN(x));
  expect(valid.length).toBe(10 * 37 * 72 - 1); // one missing value
  expect(Math.min(...valid)).toBeGreaterThan(235);
  expect(Math.max(...valid)).toBeLessThan(295);
});
