// Issue 12 model selection on validation years inside the training years only (never the test years):
// for each fold year Y, fit on the years before Y and score year Y; pooled closed-form CRPS and Brier P(> 0.1).
// Usage: EPP_TF_BACKEND is ignored (cpu backend); run after `npm run build`:
//   node scripts/sites-validate.mjs ARCHIVE METHOD 'JSON_OPTIONS' [Y1,Y2,...]
//   ARCHIVE: frankfurt (folds 2011,2012) | innsbruck-precip | innsbruck-tmin (folds 2010,2011)
//   METHOD: emos | drn; JSON_OPTIONS: {"family": ..., "members": K, ...drn options (libs/sites/drn.ts)}
//   e.g. node scripts/sites-validate.mjs frankfurt drn '{"stopping":"ensemble"}'
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { selectBackend } = await import(path.join(root, 'dist/libs/model/backend.js'));
const S = await import(path.join(root, 'dist/libs/sites/index.js'));
await selectBackend('cpu');
const [, , archive, method = 'drn', optsJson = '{}', foldsArg] = process.argv;
const A = {
  frankfurt: ['ecmwf-frankfurt-precip', 'precipitation_amount', 51, 26, [2011, 2012]],
  'innsbruck-precip': ['gefs-innsbruck-precip', 'precipitation_amount', 11, 6, [2010, 2011]],
  'innsbruck-tmin': ['gefs-innsbruck-tmin', 'air_temperature', 11, 6, [2010, 2011]],
}[archive];
if (!A || !['emos', 'drn'].includes(method)) {
  console.error(
    'usage: node scripts/sites-validate.mjs frankfurt|innsbruck-precip|innsbruck-tmin emos|drn [JSON] [folds]',
  );
  process.exit(2);
}
const dir = path.join(path.resolve(process.env.EPP_REAL_DATA ?? '../shared/data/real'), 'sites', A[0]);
const f = await S.readSiteForecast(path.join(dir, 'forecast.nc'), A[1]);
const obs = await S.readSiteObservations(path.join(dir, 'observation.nc'), A[1], f.units);
const { family, members, ...drn } = JSON.parse(optsJson);
const K = members ?? (method === 'emos' ? A[2] : A[3]);
const folds = foldsArg ? foldsArg.split(',').map(Number) : A[4];
const t = (y) => Date.UTC(y, 0, 1) / 1000;
let crps = 0;
let brier = 0;
let n = 0;
const per = [];
for (const Y of folds) {
  const m = S.fitSiteModel(f, obs, { method, members: K, trainTo: t(Y), family, drn });
  const pr = S.pairSites(f, obs, S.selectMembers(f, K), { from: t(Y), to: t(Y + 1) });
  const par = S.modelParameters(m, f, pr.time, pr.station);
  let c = 0;
  let b = 0;
  for (let i = 0; i < pr.n; i++) {
    c += S.crps(m.family, par.mu[i], par.sigma[i], pr.obs[i], par.shift[i]);
    if (S.isCensored(m.family)) {
      const p = 1 - S.cdf(m.family, par.mu[i], par.sigma[i], 0.1, par.shift[i]);
      b += (p - (pr.obs[i] > 0.1 ? 1 : 0)) ** 2;
    }
  }
  const epochs = m.drn ? ` epochs ${m.drn.nets.map((x) => x.epochs).join(',')}` : '';
  per.push(`${Y}: CRPS ${(c / pr.n).toFixed(4)} Brier ${(b / pr.n).toFixed(4)}${epochs}`);
  crps += c;
  brier += b;
  n += pr.n;
}
console.log(
  `${archive} ${method} ${optsJson} K=${K}: pooled CRPS ${(crps / n).toFixed(4)} Brier>0.1 ${(brier / n).toFixed(4)} (${n} pairs) | ${per.join(' | ')}`,
);
