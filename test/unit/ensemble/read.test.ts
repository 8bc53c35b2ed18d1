import { NotFoundInFileError } from '../../../libs/contracts/errors.js';
import { readEnsemble, readField } from '../../../libs/ensemble/read.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { FORMATS, expectedValues, fixturePath } from '../netcdf/fixtures.js';

// Fixture t(time=3, number=4, level=2 [500, 850], latitude=5, longitude=6), packed, two missing values.
describe.each(FORMATS)('readEnsemble on the %s fixture', (format) => {
  const t = expectedValues(format).t.values;
  const times = expectedValues(format).time.values as number[];
  const at = (ti: number, m: number, li: number, y: number, x: number) =>
    t[(((ti * 4 + m) * 2 + li) * 5 + y) * 6 + x] ?? NaN;

  test('one field per time at 850 hPa, member-major, equal to xarray’s values', async () => {
    const fields = await readEnsemble(fixturePath(format), { variable: 't', level: 850 });
    expect(fields).toHaveLength(3);
    fields.forEach((f, ti) => {
      expect(f.members).toEqual([0, 1, 2, 3]);
      expect([f.ny, f.nx, f.level, f.units, f.validTime]).toEqual([5, 6, 850, 'K', times[ti]]);
      expect(f.grid.kind).toBe('latlon');
      expect(Array.from(f.grid.y)).toEqual([60, 55, 50, 45, 40]);
      const want = [];
      for (let m = 0; m < 4; m++)
        for (let y = 0; y < 5; y++) for (let x = 0; x < 6; x++) want.push(at(ti, m, 1, y, x));
      expect(Array.from(f.data)).toEqual(want);
    });
    expect(Number.isNaN(fields[2].data[(3 * 5 + 4) * 6 + 5])).toBe(true); // missing value → NaN
  });

  test('members are 1-based positions; time selects one valid time; no level → every level', async () => {
    const [f] = await readEnsemble(fixturePath(format), {
      variable: 't',
      level: 500,
      members: [2, 4],
      time: times[1],
    });
    expect(f.members).toEqual([1, 3]);
    expect(f.data[0]).toBe(at(1, 1, 0, 0, 0));
    expect(f.data[30 + 7]).toBe(at(1, 3, 0, 1, 1));
    const all = await readEnsemble(fixturePath(format), { variable: 't' });
    expect(all.map((x) => x.level)).toEqual([500, 850, 500, 850, 500, 850]);
  });

  test('bad variable, level or member → NotFoundInFileError saying what the file has', async () => {
    const ds = await openDataset(fixturePath(format));
    try {
      await expect(readEnsemble(ds, { variable: 't2m' })).rejects.toThrow(
        /no variable 't2m'; the file has: .*\bt\b/,
      );
      await expect(readEnsemble(ds, { variable: 't', level: 700 })).rejects.toThrow(
        /no level 700 hPa; levels: 500, 850/,
      );
      await expect(readEnsemble(ds, { variable: 't', members: [0, 5] })).rejects.toThrow(NotFoundInFileError);
      await expect(readEnsemble(ds, { variable: 't', members: [5] })).rejects.toThrow(
        /position\(s\) 5 not in 1..4/,
      );
      await expect(readField(ds, { variable: 't' })).rejects.toThrow(/4 members along 'number'/);
    } finally {
      ds.close();
    }
  });

  test('readField reads a field without a member axis per time', async () => {
    const q = await readField(fixturePath(format), { variable: 'q' });
    expect(q).toHaveLength(3);
    const exp = expectedValues(format).q.values;
    expect(Array.from(q[1].data)).toEqual(exp.slice(30, 60).map((x) => x ?? NaN));
    expect(q[1].validTime).toBe(times[1]);
  });
});
