import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildProgram, runCli } from '../../../apps/cli/program.js';
import { describeRealData, realSiteFile } from '../../helpers/realData.js';

/** Run `epp sites …` in process; returns the exit status and what went to stderr. */
async function epp(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  });
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await runCli(buildProgram(), ['node', 'epp', ...args]);
    return { code: Number(process.exitCode ?? 0), stderr };
  } finally {
    spy.mockRestore();
    process.exitCode = before;
  }
}

const FIT = [
  'sites',
  'fit',
  '--forecast',
  'f.nc',
  '--observations',
  'o.csv',
  '--variable',
  'x',
  '--out',
  'm',
];

describe('epp sites: every option validated (one line, exit 2)', () => {
  test.each([
    [
      [...FIT, '--method', 'gbm', '--members', '5', '--train-to', '2013-01-01'],
      /--method must be emos or drn, got "gbm"/,
    ],
    [
      [...FIT, '--method', 'emos', '--members', 'five', '--train-to', '2013-01-01'],
      /--members: "five" is neither a count K nor a list/,
    ],
    [[...FIT, '--method', 'emos', '--members', '0', '--train-to', '2013-01-01'], /--members: must be ≥ 1/],
    [
      [...FIT, '--method', 'emos', '--members', '5', '--train-to', 'last year'],
      /--train-to: "last year" is not an ISO 8601/,
    ],
    [
      [...FIT, '--method', 'emos', '--members', '5', '--train-to', '2013-01-01', '--distribution', 'gamma'],
      /--distribution must be one of normal, censored-logistic, censored-shifted-gamma/,
    ],
    [
      [...FIT, '--method', 'drn', '--members', '5', '--train-to', '2013-01-01', '--seeds', '-1'],
      /--seeds: "-1" is not a positive integer/,
    ],
    [
      [...FIT, '--method', 'emos', '--members', '5', '--train-to', '2013-01-01'],
      /--forecast f\.nc: no such file/,
    ],
    [
      ['sites', 'predict', '--model', '/nonexistent', '--forecast', 'f.nc', '--out', 'p.nc'],
      /\/nonexistent: not a site model folder/,
    ],
    [
      ['sites', 'predict', '--model', 'm', '--forecast', 'f.nc', '--out', 'p.nc', '--thresholds', '1,x'],
      /--thresholds: "x" is not a number/,
    ],
    [
      [
        'sites',
        'evaluate',
        '--model',
        'm',
        '--forecast',
        'f.nc',
        '--observations',
        'o.nc',
        '--from',
        '2014-01-01',
        '--to',
        '2013-01-01',
      ],
      /--from must be before --to/,
    ],
  ])('%j', async (args, message) => {
    const r = await epp(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describeRealData(
  'epp sites on a real archive: refused combinations (one line, exit 2, nothing written)',
  () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'epp-sites-cli-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const fc = () => realSiteFile('ecmwf-frankfurt-precip/forecast.nc');
    const obs = () => realSiteFile('ecmwf-frankfurt-precip/observation.csv');

    test('fit --method drn --distribution censored-gev', async () => {
      const out = path.join(dir, 'gev-drn');
      const r = await epp([
        'sites',
        'fit',
        '--forecast',
        fc(),
        '--observations',
        obs(),
        '--variable',
        'precipitation_amount',
        '--method',
        'drn',
        '--members',
        '26',
        '--distribution',
        'censored-gev',
        '--train-to',
        '2013-01-01',
        '--out',
        out,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/INVALID_ARGUMENT: drn: distribution censored-gev is EMOS only/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    });

    test('fit --degree without --output bernstein, and --output with emos', async () => {
      const out = path.join(dir, 'bqn-bad');
      const base = ['sites', 'fit', '--forecast', fc(), '--observations', obs()];
      const rest = ['--variable', 'precipitation_amount', '--members', '26', '--train-to', '2013-01-01'];
      const r = await epp([...base, ...rest, '--method', 'drn', '--degree', '8', '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/INVALID_ARGUMENT: --degree needs --output bernstein/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      const e = await epp([...base, ...rest, '--method', 'emos', '--output', 'bernstein', '--out', out]);
      expect(e.code).toBe(2);
      expect(e.stderr).toMatch(/INVALID_ARGUMENT: --output and --degree are drn options/);
      expect(existsSync(out)).toBe(false);
    });

    test('evaluate --compare with a folder that holds no site model', async () => {
      const model = path.join(dir, 'emos');
      const fit = await epp([
        'sites',
        'fit',
        '--forecast',
        fc(),
        '--observations',
        obs(),
        '--variable',
        'precipitation_amount',
        '--method',
        'emos',
        '--members',
        '5',
        '--train-from',
        '2011-01-01',
        '--train-to',
        '2012-01-01',
        '--out',
        model,
        '--json',
      ]);
      expect(fit.code).toBe(0);
      const r = await epp([
        'sites',
        'evaluate',
        '--model',
        model,
        '--forecast',
        fc(),
        '--observations',
        obs(),
        '--from',
        '2012-01-01',
        '--to',
        '2012-02-01',
        '--compare',
        `${model},/nonexistent`,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/\/nonexistent: not a site model folder/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  },
);
