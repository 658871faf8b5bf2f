import { Hono } from 'hono';
import type { CollectorDeps } from '../app';
import { requireSecretKey, type AppEnv } from './auth';
import { identifierFromQuery } from './identifier-query';

/**
 * GDPR endpoints (secret key):
 * - `DELETE /v1/persons?<identifier>=…[&suppress=true]` erases the whole stitched person (Art. 17)
 *   and answers with counts; a second call answers with zeros.
 * - `GET /v1/persons/export?<identifier>=…` returns everything stored about the person (Art. 15/20),
 *   404 when nothing is known.
 * - `GET /v1/persons/audit` lists erasure and export requests (kinds and counts, no personal data).
 *
 * @example
 * await fetch(`${url}/v1/persons?loyaltyId=L-4711&suppress=true`, { method: 'DELETE', headers: { authorization: `Bearer ${secretKey}` } });
 */
export function personsRoutes({ store }: CollectorDeps): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .delete('/v1/persons', requireSecretKey, async (c) => {
      const id = await identifierFromQuery(c);
      const suppress = c.req.query('suppress') === 'true' || c.req.query('suppress') === '1';
      const erased = await store.erasePerson(c.get('site').id, id, { suppress });
      return c.json({ erased });
    })
    .get('/v1/persons/export', requireSecretKey, async (c) => {
      const id = await identifierFromQuery(c);
      const data = await store.exportPerson(c.get('site').id, id);
      if (!data) return c.json({ error: 'not_found', message: 'Nothing is stored for this identifier' }, 404);
      c.header('content-disposition', 'attachment; filename="omnitrail-export.json"');
      return c.json(data);
    })
    .get('/v1/persons/audit', requireSecretKey, async (c) => {
      const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
      return c.json({ entries: await store.privacyAudit(c.get('site').id, limit) });
    });
}
