import { setFlagsFromString } from 'node:v8';

/**
 * Gives V8 a larger young generation (64 MiB semi-spaces) for a one-shot report process.
 * Reading journeys allocates a few short-lived objects per touch (1 M+ at 5 M events) while the
 * engine keeps the converting paths: with the default young generation many of them are copied
 * and promoted before they die, and the 5 M-event attribution report spends ~0.3 s more wall
 * time in GC (measured by bench/attribution.bench.mjs). Process-wide, so only the
 * `omnitrail report` command calls it — never on import, never in the server.
 *
 * @example
 * roomForReports(); // before runReport(…)
 */
export function roomForReports(): void {
  setFlagsFromString('--max-semi-space-size=64');
}
