// Entry bundled by bench/attribution.bench.mjs: the pure attribution code, the generator and
// the SQLite store the end-to-end part reads through.
export { attribute } from '../../packages/collector/src/attribution/engine';
export { MarkovChain } from '../../packages/collector/src/attribution/markov';
export { summarise } from '../../packages/collector/src/reports/attribution';
export { parseReportParams } from '../../packages/collector/src/reports/params';
export { generateJourneys } from '../../packages/collector/src/demo/generate';
export { seedDemo } from '../../packages/collector/src/cli/demo-seed';
export { openSqliteStore } from '../../packages/collector/src/store/sqlite/index';
export { migrations } from '../../packages/collector/src/store/sqlite/migrations';
export { attributionReport } from '../../packages/collector/src/reports/attribution';
export { roomForReports } from '../../packages/collector/src/cli/report-heap';
export { funnelReport } from '../../packages/collector/src/reports/funnel';
export { vitalsReport } from '../../packages/collector/src/reports/vitals';
export { VITALS_SAMPLES } from '../../packages/collector/src/store/sqlite/vitals-samples';
export { TRACK_ROWS } from '../../packages/collector/src/store/sqlite/track-rows';
export { catchUp } from '../../packages/collector/src/store/sqlite/read-models';
