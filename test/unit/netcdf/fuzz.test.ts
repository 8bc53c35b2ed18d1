/**
 * A bounded run of the mutation fuzzer (bench/fuzz/harness.ts; `npm run -s bench -- fuzz` runs many more):
 * mutated copies of ≥ 8 real netCDF-3 and netCDF-4 files, each read in a child process under a 10 s limit
 * and a 1 GiB RSS cap. No case may hang, crash, blow the memory cap or fail untyped; every error is one line;
 * no file netCDF-C (ncdump) refuses is accepted, and where both accept, every value read equals ncdump's.
 * The same for GRIB (`--format grib`): both real GRIB files and the GRIB1/GRIB2 fixtures, against ecCodes'
 * grib_get_data.
 */
import { spawnSync } from 'node:child_process';
import { runFuzz } from '../../../bench/fuzz/harness.js';
import { REAL_DATA_DIR, describeRealData } from '../../helpers/realData.js';

const CASES = 100;
const GRIB_CASES = 40;
const haveNcdump = spawnSync('ncdump', [], { encoding: 'utf8' }).error === undefined;
const haveEccodes = spawnSync('grib_get_data', ['-V'], { encoding: 'utf8' }).error === undefined;

describeRealData('fuzzing the NetCDF readers (bounded run)', () => {
  test(`${CASES} mutated real files: no hang, crash, memory blow-up or untyped error; nothing netCDF-C refuses`, async () => {
    if (process.env.CI) expect(haveNcdump).toBe(true); // .ci/run installs netcdf-bin
    const report = await runFuzz({ cases: CASES, seed: 7, dataDir: REAL_DATA_DIR, reference: haveNcdump });
    const violations = report.violations.map(
      (v) =>
        `case ${v.index} ${v.class} ${v.source} ${v.kind} (${v.detail}): ${v.error ?? ''} ${v.comparison ?? ''}`,
    );
    expect(violations).toEqual([]);
    expect(report.counts.untyped + report.counts.hang + report.counts.memory + report.counts.crash).toBe(0);
    expect(report.multiLineErrors).toBe(0);
    expect(report.maxPeakRssMiB).toBeLessThan(1024);
    // The run covers both formats and exercises both outcomes.
    expect(report.sources.length).toBeGreaterThanOrEqual(8);
    expect(report.sources.some((s) => s.includes('nc3'))).toBe(true);
    expect(report.sources.filter((s) => !s.includes('nc3')).length).toBeGreaterThanOrEqual(4);
    expect(report.counts.ok).toBeGreaterThan(0);
    expect(report.counts.typed).toBeGreaterThan(0);
    if (haveNcdump) {
      expect(report.reference.acceptedRejected).toBe(0);
      expect(report.reference.disagree).toBe(0);
      expect(report.reference.agree).toBeGreaterThan(0);
    }
  }, 600_000);

  test('the classifier can fail: a 1 ms limit makes hangs, a 1 MiB cap memory blow-ups', async () => {
    const hangs = await runFuzz({
      cases: 2,
      seed: 7,
      dataDir: REAL_DATA_DIR,
      timeoutMs: 1,
      reference: false,
    });
    expect(hangs.counts.hang).toBe(2);
    const memory = await runFuzz({
      cases: 2,
      seed: 7,
      dataDir: REAL_DATA_DIR,
      memoryMiB: 1,
      reference: false,
    });
    expect(memory.counts.memory).toBe(2);
  }, 120_000);
});

describeRealData('fuzzing the GRIB reader (bounded run)', () => {
  test(`${GRIB_CASES} mutated GRIB files: no hang, crash, memory blow-up or untyped error; nothing ecCodes refuses`, async () => {
    if (process.env.CI) expect(haveEccodes).toBe(true); // .ci/run installs libeccodes-tools
    const report = await runFuzz({
      format: 'grib',
      cases: GRIB_CASES,
      seed: 18,
      dataDir: REAL_DATA_DIR,
      reference: haveEccodes,
    });
    const violations = report.violations.map(
      (v) =>
        `case ${v.index} ${v.class} ${v.source} ${v.kind} (${v.detail}): ${v.error ?? ''} ${v.referenceMessage ?? ''} ${v.comparison ?? ''}`,
    );
    expect(violations).toEqual([]);
    expect(report.counts.untyped + report.counts.hang + report.counts.memory + report.counts.crash).toBe(0);
    expect(report.multiLineErrors).toBe(0);
    expect(report.maxPeakRssMiB).toBeLessThan(1024);
    // Both real GRIB files, GRIB1 and GRIB2 fixtures; both outcomes exercised.
    expect(report.sources).toEqual(
      expect.arrayContaining(['cfgrib_era5_eda/era5-levels-members.grib', 'earthkit_ens50/ens_50.grib']),
    );
    expect(report.sources.filter((s) => s.includes('_g2')).length).toBeGreaterThanOrEqual(8);
    expect(report.counts.ok).toBeGreaterThan(0);
    expect(report.counts.typed).toBeGreaterThan(0);
    if (haveEccodes) {
      expect(report.reference.acceptedRejected).toBe(0);
      expect(report.reference.disagree).toBe(0);
      expect(report.reference.agree).toBeGreaterThan(0);
    }
  }, 600_000);
});
