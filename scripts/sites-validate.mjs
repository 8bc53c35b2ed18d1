// Issue 12 model selection on validation periods inside the training years only (never the test years):
// for each fold, fit on the data before it and score the fold; pooled closed-form CRPS, Brier P(> 0.1) and the
// reliability term of its decomposition (Murphy 1973, 10 probability bins). For a DRN also its own base (the
// seasonal EMOS on the same K members) and the blend ½(DRN + base) (parameter average; for the normal and the
// censored logistic this averages the quantiles wherever they are > 0: Vincentization, Ratcliff 1979).
// Usage (cpu backend; run after `npm run build`):
//   node scripts/sites-validate.mjs ARCHIVE METHOD 'JSON_OPTIONS' [FOLDS]
//   ARCHIVE: frankfurt (folds 2011,2012) | innsbruck-precip | innsbruck-tmin (folds 2010,2011)
//            | uwme (one fold: fit before 2004-02-01, score 2004-02-01 .. 2004-02-15)
//   METHOD: emos | drn; JSON_OPTIONS: {"family": ..., "members": K, ...drn options (libs/sites/drn.ts)}
//   e.g. node scripts/sites-validate.mjs frankfurt drn '{"l2":0.001}'
//        node scripts/sites-validate.mjs frankfurt drn '{"output":"bernstein","degree":12}' (BQN; exact CRPS)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { selectBackend } = await import(path.join(root, 'dist/libs/model/backend.js'));
const S = await import(path.join(root, 'dist/libs/sites/index.js'));
await selectBackend('cpu');
const [, , archive, method = 'drn', optsJson = '{}', foldsArg] = process.argv;
const t = (y) => Date.UTC(y, 0, 1) / 1000;
const A = {
  frankfurt: ['ecmwf-frankfurt-precip', 'precipitation_amount', 51, 26, [2011, 2012]],
  'innsbruck-precip': ['gefs-innsbruck-precip', 'precipitation_amount', 11, 6, [2010, 2011]],
  'innsbruck-tmin': ['gefs-innsbruck-tmin', 'air_temperature', 11, 6, [2010, 2011]],
  uwme: [
    'uwme-pnw-t2m',
    'air_temperature',
    8,
    4,
    [[Date.UTC(2004, 1, 1) / 1000, Date.UTC(2004, 1, 15) / 1000]],
  ],
}[archive];
if (!A || !['emos', 'drn'].includes(method)) {
  console.error(
    'usage: node scripts/sites-validate.mjs frankfurt|innsbruck-precip|innsbruck-tmin|uwme emos|drn [JSON] [folds]',
  );
  process.exit(2);
}
const dir = path.join(path.resolve(process.env.EPP_REAL_DATA ?? '../shared/data/real'), 'sites', A[0]);
const f = await S.readSiteForecast(path.join(dir, 'forecast.nc'), A[1]);
const obs = await S.readSiteObservations(path.join(dir, 'observation.nc'), A[1], f.units);
const { family, members, ...drn } = JSON.parse(optsJson);
const K = members ?? (method === 'emos' ? A[2] : A[3]);
const folds = (foldsArg ? foldsArg.split(',').map(Number) : A[4]).map((y) =>
  Array.isArray(y) ? y : [t(y), t(y + 1)],
);
const label = (fold) => new Date(fold[0] * 1000).toISOString().slice(0, fold[1] - fold[0] > 3e7 ? 4 : 10);
const score = () => ({ crps: 0, brier: 0, n: 0, p: [], o: [] });
const rows = { model: score(), base: score(), blend: score() };
const per = [];
/** Score pair i of SiteParameters `par` (closed-form CRPS; a BQN: its exact CRPS, bernstein.ts). */
const add = (acc, fam, par, i, y) => {
  acc.crps += S.pairCrps(fam, par, i, y);
  acc.n++;
  if (S.isCensored(fam)) {
    const p = 1 - S.pairCdf(fam, par, i, 0.1);
    acc.brier += (p - (y > 0.1 ? 1 : 0)) ** 2;
    acc.p.push(p);
    acc.o.push(y > 0.1 ? 1 : 0);
  }
};
/** Reliability term of the Brier score, 10 equal probability bins. */
const reliability = (acc) => {
  const bins = Array.from({ length: 10 }, () => [0, 0, 0]);
  acc.p.forEach((p, i) => {
    const b = bins[Math.min(9, Math.floor(p * 10))];
    b[0]++;
    b[1] += p;
    b[2] += acc.o[i];
  });
  return bins.reduce((a, [n, p, o]) => a + (n ? (n * (p / n - o / n) ** 2) / acc.p.length : 0), 0);
};
for (const fold of folds) {
  const m = S.fitSiteModel(f, obs, { method, members: K, trainTo: fold[0], family, drn });
  const pr = S.pairSites(f, obs, S.selectMembers(f, K), { from: fold[0], to: fold[1] });
  const par = S.modelParameters(m, f, pr.time, pr.station);
  const base = m.drn
    ? S.predictSiteEmos(
        m.drn.base,
        S.pairFeatures(f, pr.time, pr.station, S.selectMembers(f, K), m.extras),
        pr.station,
      )
    : null;
  const blendable = (m.family === 'normal' || m.family === 'censored-logistic') && !par.bernstein;
  const blend = base && {
    mu: par.mu.map((v, i) => (v + base.mu[i]) / 2),
    sigma: par.sigma.map((v, i) => (v + base.sigma[i]) / 2),
    shift: par.shift,
  };
  let c = 0;
  for (let i = 0; i < pr.n; i++) {
    const before = rows.model.crps;
    add(rows.model, m.family, par, i, pr.obs[i]);
    c += rows.model.crps - before;
    if (base) add(rows.base, m.family, base, i, pr.obs[i]);
    if (base && blendable) add(rows.blend, m.family, blend, i, pr.obs[i]);
  }
  const epochs = m.drn ? ` epochs ${m.drn.nets.map((x) => x.epochs).join(',')}` : '';
  per.push(`${label(fold)}: CRPS ${(c / pr.n).toFixed(4)}${epochs}`);
}
const line = (name, acc) =>
  acc.n
    ? `${name} CRPS ${(acc.crps / acc.n).toFixed(4)}${acc.p.length ? ` Brier>0.1 ${(acc.brier / acc.n).toFixed(4)} REL ${reliability(acc).toFixed(4)}` : ''}`
    : null;
console.log(
  [
    `${archive} ${method} ${optsJson} K=${K} (${rows.model.n} pairs): ${line('pooled', rows.model)}`,
    line('base EMOS K', rows.base),
    line('blend ½(DRN+base)', rows.blend),
    per.join(' | '),
  ]
    .filter(Boolean)
    .join(' | '),
);
