/** Default raw-event retention: 25 months (the CNIL's ceiling for audience-measurement data). */
export const DEFAULT_RETENTION_DAYS = 760;

/**
 * A site's raw-event retention in days: `settings.retentionDays` when it is a positive number,
 * else {@link DEFAULT_RETENTION_DAYS}. The one rule shared by the retention purge and ingest
 * (which refuses events the purge would delete at once). Edge-safe: no I/O.
 *
 * @example
 * retentionDays({ retentionDays: 396 }) // 396
 * retentionDays({})                     // 760
 */
export function retentionDays(settings: Record<string, unknown> | null | undefined): number {
  const d = settings?.retentionDays;
  return typeof d === 'number' && d > 0 ? d : DEFAULT_RETENTION_DAYS;
}
