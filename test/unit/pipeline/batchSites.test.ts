/**
 * Site targets of the nightly batch (issue 12) on the real GEFS Innsbruck minimum-temperature archive: a
 * forecast file in inbox/sites/<model>/forecasts/ is predicted with the latest site model through the same
 * runner as queue jobs, a rerun does no duplicate work, observations arriving later verify it (closed-form
 * CRPS from the job's parameters, checked against the same model evaluated here), and a target without a
 * site model or a bad file fails closed in the run record.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataError, InvalidArgumentError } from '../../../libs/contracts/errors.js';
import { siteCaseStudy } from '../../../libs/pipeline/report/siteCase.js';
import { NightlyBatch, sequentialExecutor } from '../../../libs/pipeline/batch/index.js';
import { verifySitePrediction, type SiteLedgerEntry } from '../../../libs/pipeline/batch/sites.js';
import { publishModelVersion } from '../../../libs/pipeline/train/store.js';
import { runJob } from '../../../libs/service/run-job.js';
import { crps } from '../../../libs/sites/distributions.js';
import { fitSiteFiles } from '../../../libs/sites/files.js';
import { loadSiteModel, predictSiteModel } from '../../../libs/sites/model.js';
import { alignObservations } from '../../../libs/sites/pairing.js';
import { readSiteForecast, readSiteObservations } from '../../../libs/sites/read.js';
import type { SitePredictJobResult } from '../../../libs/contracts/sites.js';
import { describeRealData, realSiteFile } from '../../helpers/realData.js';

describeRealData('nightly batch: site targets', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'epp-batch-sites-'));
  const target = path.join(dataDir, 'inbox/sites/ibk');
  const exec = sequentialExecutor(
    () => Promise.reject(new Error('no gridded jobs expected')),
    (p) => runJob('forecast', p, { dataDir, onProgress: () => undefined }) as Promise<SitePredictJobResult>,
  );
  const batch = () => new NightlyBatch({ dataDir, bundledModels: null });
  const DATE = '2013-12-31';

  beforeAll(async () => {
    mkdirSync(path.join(target, 'forecasts'), { recursive: true });
    copyFileSync(realSiteFile('gefs-innsbruck-tmin/forecast.nc'), path.join(target, 'forecasts/f.nc'));
    // The site model `ibk` v1: EMOS on 6 of 11 members, trained 2008–2010, published like a fit job does.
    const staged = path.join(dataDir, 'models/ibk/.tmp-test');
    await fitSiteFiles({
      forecast: path.join(target, 'forecasts/f.nc'),
      observations: realSiteFile('gefs-innsbruck-tmin/observation.csv'),
      variable: 'air_temperature',
      method: 'emos',
      members: 6,
      trainFrom: Date.parse('2008-01-01T00:00:00Z') / 1000,
      trainTo: Date.parse('2011-01-01T00:00:00Z') / 1000,
      out: path.join(staged, 'sites'),
    });
    expect(publishModelVersion(path.join(dataDir, 'models/ibk'), staged)).toBe('v1');
  }, 60000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  let output = '';

  test('a site forecast file is predicted with the latest site model; nothing to verify yet', async () => {
    const r = await batch().run(exec, { date: DATE });
    expect(r.status).toBe('completed');
    expect(r.jobs).toEqual([]);
    expect(r.sites!.targets['sites:ibk']).toMatchObject({ model: 'ibk@v1' });
    expect(r.sites!.jobs).toHaveLength(1);
    const j = r.sites!.jobs[0];
    expect(j).toMatchObject({ file: 'inbox/sites/ibk/forecasts/f.nc', status: 'processed', model: 'ibk@v1' });
    expect(j.id).toMatch(/^sp-/);
    output = j.output!;
    expect(existsSync(path.join(dataDir, output))).toBe(true);
    expect(r.sites!.verifications).toEqual([]);
    // A rerun does no duplicate work.
    const again = await batch().run(exec, { date: DATE });
    expect(again.sites!.jobs).toEqual([]);
  }, 60000);

  test('observations arriving later verify it: CRPS as computed here from the model, better than raw', async () => {
    mkdirSync(path.join(target, 'observations'), { recursive: true });
    copyFileSync(
      realSiteFile('gefs-innsbruck-tmin/observation.csv'),
      path.join(target, 'observations/obs.csv'),
    );
    const r = await batch().run(exec, { date: DATE });
    expect(r.sites!.jobs).toEqual([]);
    expect(r.sites!.verifications).toHaveLength(1);
    const v = r.sites!.verifications[0];
    expect(v.status).toBe('verified');
    // Independently: the same model predicted here, scored on the pairs valid before the end of DATE.
    const { model } = loadSiteModel(path.join(dataDir, 'models/ibk/v1/sites'));
    const f = await readSiteForecast(path.join(target, 'forecasts/f.nc'), 'air_temperature');
    const obs = await readSiteObservations(
      path.join(target, 'observations/obs.csv'),
      'air_temperature',
      f.units,
    );
    const { data: y } = alignObservations(f, obs);
    const p = predictSiteModel(model, f);
    const cutoff = Date.parse(`${DATE}T00:00:00Z`) / 1000 + 86400;
    let n = 0;
    let sum = 0;
    for (let t = 0; t < f.times.length; t++) {
      const ok =
        f.times[t] < cutoff &&
        Number.isFinite(y[t]) &&
        Number.isFinite(p.mu[t]) &&
        Array.from({ length: 11 }, (_, m) => f.data[t * 11 + m]).every(Number.isFinite);
      if (!ok) continue;
      sum += crps(model.family, p.mu[t], p.sigma[t], y[t], p.shift[t]);
      n++;
    }
    expect(v.pairs).toBe(n);
    expect(v.crps!.model).toBeCloseTo(sum / n, 6);
    // GEFS tmin at Innsbruck is several kelvin too cold: calibration wins by far over the raw members.
    expect(v.crps!.model).toBeLessThan(0.5 * v.crps!.rawAllFair);
    expect(v.crps!.skillVsRawAll).toBeCloseTo(1 - v.crps!.model / v.crps!.rawAllFair, 12);
    const lines = readFileSync(path.join(dataDir, 'batch/site-scores.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ target: 'sites:ibk', model: 'ibk@v1', pairs: n, output });
    // Verified once.
    const again = await batch().run(exec, { date: DATE });
    expect(again.sites!.verifications).toEqual([]);
  }, 60000);

  test('a Bernstein quantile network prediction is verified with its own quantile function, not its mean and sd', async () => {
    // The job's output folder, copied, with parameters.json given BQN coefficients all equal to c: a point mass
    // at c, whose CRPS is |y − c| (the parametric family at the same μ, σ would score otherwise).
    const copy = path.join(path.dirname(path.dirname(output)), 'bqn-copy', path.basename(output));
    const dirOf = (rel: string) => path.join(dataDir, path.dirname(rel));
    mkdirSync(dirOf(copy), { recursive: true });
    for (const name of ['parameters.json', path.basename(output)])
      copyFileSync(path.join(dirOf(output), name), path.join(dirOf(copy), name));
    const par = JSON.parse(readFileSync(path.join(dirOf(output), 'parameters.json'), 'utf8')) as {
      times: string[];
      stations: string[];
      mu: (number | null)[];
    };
    const c = 1.5;
    const degree = 4;
    const N = par.times.length * par.stations.length;
    const coefficients = par.mu.flatMap((mu) =>
      new Array<number | null>(degree + 1).fill(mu === null ? null : c),
    );
    const write = (b: unknown) =>
      writeFileSync(path.join(dirOf(copy), 'parameters.json'), JSON.stringify({ ...par, bernstein: b }));
    write({ degree, censored: false, coefficients });
    const entry: SiteLedgerEntry = {
      stamp: 's',
      target: 'sites:ibk',
      status: 'processed',
      jobId: 'x',
      runId: 'r',
      model: 'ibk@v1',
      attempts: 1,
      output: copy,
    };
    const cutoff = Date.parse(`${DATE}T00:00:00Z`) / 1000 + 86400;
    const file = 'inbox/sites/ibk/forecasts/f.nc';
    const obsFiles = ['inbox/sites/ibk/observations/obs.csv'];
    const v = await verifySitePrediction(dataDir, file, entry, obsFiles, cutoff, null);
    const parametric = await verifySitePrediction(
      dataDir,
      file,
      { ...entry, output },
      obsFiles,
      cutoff,
      null,
    );
    const f = await readSiteForecast(path.join(dataDir, file), 'air_temperature');
    const obs = await readSiteObservations(path.join(dataDir, obsFiles[0]), 'air_temperature', f.units);
    const { data: y } = alignObservations(f, obs);
    const tIndex = new Map(Array.from(f.times, (t, i) => [t, i]));
    let n = 0;
    let sum = 0;
    par.times.forEach((iso, pt) => {
      const t = tIndex.get(Date.parse(iso) / 1000)!;
      const ok =
        f.times[t] < cutoff &&
        Number.isFinite(y[t]) &&
        par.mu[pt] !== null &&
        Array.from({ length: 11 }, (_, m) => f.data[t * 11 + m]).every(Number.isFinite);
      if (!ok) return;
      sum += Math.abs(y[t] - c);
      n++;
    });
    expect(v!.pairs).toBe(n);
    expect(v!.model).toBeCloseTo(sum / n, 6);
    expect(Math.abs(v!.model - parametric!.model)).toBeGreaterThan(0.1);
    expect(v!.rawAllFair).toBe(parametric!.rawAllFair);
    // Coefficients that do not match the times × stations × (degree + 1) layout fail closed, naming the field.
    const layout =
      /field 'bernstein' of parameters.json must hold a degree \(1 to 30\), 'censored' and degree \+ 1 coefficients per time and station/;
    write({ degree, censored: false, coefficients: coefficients.slice(1) });
    await expect(verifySitePrediction(dataDir, file, entry, obsFiles, cutoff, null)).rejects.toThrow(layout);
    write({ degree, coefficients });
    await expect(verifySitePrediction(dataDir, file, entry, obsFiles, cutoff, null)).rejects.toThrow(layout);
    // A decreasing (non-monotone) quantile function, or a non-number, would be scored silently wrong: refused.
    const first = par.mu.findIndex((mu) => mu !== null);
    for (const bad of [c - 1, 'x']) {
      const broken = coefficients.slice();
      broken[first * (degree + 1) + 2] = bad as number;
      write({ degree, censored: false, coefficients: broken });
      const err = verifySitePrediction(dataDir, file, entry, obsFiles, cutoff, null);
      await expect(err).rejects.toThrow(DataError);
      await expect(err).rejects.toThrow(
        new RegExp(`pair ${first} must have all-null or finite, non-decreasing coefficients`),
      );
    }
    expect(N).toBe(par.mu.length);
  }, 60000);

  test('a target without a site model, and a bad site file, fail closed in the run record', async () => {
    mkdirSync(path.join(dataDir, 'inbox/sites/nomodel/forecasts'), { recursive: true });
    copyFileSync(
      realSiteFile('gefs-innsbruck-tmin/forecast.nc'),
      path.join(dataDir, 'inbox/sites/nomodel/forecasts/f.nc'),
    );
    writeFileSync(path.join(target, 'forecasts/broken.nc'), 'CDF\x01 not really');
    const r = await batch().run(exec, { date: DATE });
    expect(r.status).toBe('completed');
    expect(r.sites!.targets['sites:nomodel'].why).toMatch(/not predicted: model 'nomodel' does not exist/);
    expect(r.sites!.jobs).toHaveLength(1);
    const j = r.sites!.jobs[0];
    expect(j).toMatchObject({ file: 'inbox/sites/ibk/forecasts/broken.nc', status: 'failed' });
    expect(j.error!.code).toBe('INVALID_NETCDF');
    expect(j.error!.message).not.toMatch(/\n/);
  }, 60000);
});

describeRealData('site case study: BQN refused', () => {
  test('a case-study report with drn output bernstein is a typed error (its scores are parametric)', async () => {
    const f = await readSiteForecast(
      realSiteFile('gefs-innsbruck-precip/forecast.nc'),
      'precipitation_amount',
    );
    const obs = await readSiteObservations(
      realSiteFile('gefs-innsbruck-precip/observation.nc'),
      'precipitation_amount',
      f.units,
    );
    expect(() => siteCaseStudy(f, obs, { drn: { output: 'bernstein' } })).toThrow(InvalidArgumentError);
    expect(() => siteCaseStudy(f, obs, { drn: { output: 'bernstein' } })).toThrow(
      /drn output "bernstein": site case-study reports score parametric DRNs only/,
    );
  });
});
