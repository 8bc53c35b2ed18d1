/** Case-study report capability: maps, verification charts and scores of a forecast archive, as HTML/PDF. */
export {
  buildCaseStudyReport,
  nameTime,
  type CaseStudyRequest,
  type CaseStudyResult,
  type ReportProgress,
  writeReportFiles,
} from './build.js';
export { assembleCaseStudy, type CaseDay, type CaseStudyInputs } from './assemble.js';
export { parseTime, resolveCaseStudy, type ResolvedCaseStudy } from './options.js';
export { splitVariable } from './read.js';
export { exceedanceProbability, spreadSkill } from './scores.js';
export { buildSiteCaseReport, type SiteCaseRequest, type SiteCaseFiles } from './siteBuild.js';
export { siteCaseStudy, type SiteCaseOptions, type SiteCaseResult, type CaseEvent } from './siteCase.js';
