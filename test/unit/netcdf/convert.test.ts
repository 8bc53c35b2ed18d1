import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertFile } from '../../../libs/netcdf/convert.js';
import { openDataset } from '../../../libs/netcdf/open.js';
import { FORMATS, expectedValues, firstMismatch, fixturePath, type ExpectedVariable } from './fixtures.js';

const PY = '/usr/bin/python3';
const XR_VALUES = path.resolve('scripts/fixtures/xarray_values.py');
const hasPython = spawnSync(PY, ['-c', 'import netCDF4, xarray'], { encoding: 'utf8' }).status === 0;
const hasNcdump = spawnSync('ncdump', [], { encoding: 'utf8' }).error === undefined;
if (!hasPython) console.warn('[skip] live xarray comparison: /usr/bin/python3 with netCDF4+xarray not found');
if (!hasNcdump) console.warn('[skip] ncdump checks: ncdump not found (apt-get install netcdf-bin)');

type Values = Record<string, ExpectedVariable>;

/** One python start for many files (importing xarray takes seconds). */
function xarrayValues(files: string[]): Record<string, Values> {
  const py = spawnSync(PY, [XR_VALUES, ...(files.length === 1 ? [...files, files[0]] : files)], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (py.status !== 0) throw new Error(`xarray failed: ${py.stderr}`);
  const out = JSON.parse(py.stdout) as Record<string, { variables: Values }>;
  return Object.fromEntries(Object.entries(out).map(([f, v]) => [f, v.variables]));
}

const outputs: { input: (typeof FORMATS)[number]; out: string }[] = [];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'epp-convert-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(FORMATS)('epp convert of the %s fixture', (input) => {
  const expected = expectedValues(input);

  test.each(['nc3', 'nc4'] as const)(
    '→ %s: output values equal xarray’s decoding of the input',
    async (format) => {
      const out = path.join(dir, `${input}-${format}.nc`);
      const summary = await convertFile(fixturePath(input), out, { format });
      expect(summary.missing).toBe(2 + 1 + 1 + 1); // t: 2, q: 1, z: 1, count: 1
      const ds = await openDataset(out);
      try {
        expect(ds.dimensions.find((d) => d.name === 'time')?.unlimited).toBe(true);
        expect(ds.variable('t').dtype).toBe('float');
        expect(ds.variable('t').attrs).toEqual({
          units: 'K',
          standard_name: 'air_temperature',
          _FillValue: Math.fround(9.969209968386869e36),
        });
        expect(ds.variable('time').dtype).toBe('double');
        expect(ds.readRaw('station_name').data).toEqual(['Oslo', 'Reading']);
        expect(ds.attrs.title).toBe('epp NetCDF reader fixture');
        expect(ds.attrTypes.version_number).toBe('int');
        for (const [name, exp] of Object.entries(expected)) {
          const got = exp.dtype === 'epoch_seconds' ? ds.readTime(name) : ds.readVariable(name).data;
          expect([name, firstMismatch(got, exp.values)]).toEqual([name, null]);
        }
      } finally {
        ds.close();
      }
      if (hasNcdump) {
        const dump = spawnSync('ncdump', ['-h', out], { encoding: 'utf8' });
        expect(dump.status).toBe(0);
        expect(dump.stdout).toContain('float t(time, number, level, latitude, longitude)');
      }
      outputs.push({ input, out });
    },
  );
});

(hasPython ? test : test.skip)(
  'live: xarray reads every converted file and finds what it decodes from the original (and the committed JSON is current)',
  () => {
    expect(outputs).toHaveLength(8);
    const inputs = FORMATS.map((f) => fixturePath(f));
    const values = xarrayValues([...inputs, ...outputs.map((o) => o.out)]);
    for (const f of FORMATS) expect(values[fixturePath(f)]).toEqual(expectedValues(f));
    for (const { input, out } of outputs)
      for (const [name, exp] of Object.entries(values[fixturePath(input)]))
        expect([
          out,
          name,
          firstMismatch(
            values[out][name].values.map((x) => x ?? NaN),
            exp.values,
          ),
        ]).toEqual([out, name, null]);
  },
);
