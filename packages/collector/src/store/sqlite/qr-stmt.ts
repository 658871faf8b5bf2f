import type { Statement } from 'better-sqlite3';
import type { Db } from './db';

const cache = new WeakMap<Db, Map<string, Statement>>();

/**
 * A prepared statement cached per connection: derivers and lookups run once per event or
 * order, and preparing costs more than running a point query.
 *
 * @example
 * cached(db, 'SELECT 1 FROM qr_codes WHERE code = ?').get(code);
 */
export function cached(db: Db, sql: string): Statement {
  let m = cache.get(db);
  if (!m) cache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}
