import { it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/index';
import { recordIdentifierSet } from '../store/sqlite/identity';
import { keyHash } from '../store/sqlite/hash';

it('profile', async () => {
  const store = openSqliteStore(`/tmp/p6prof/c-${Date.now()}.db`);
  const { site } = await store.createSite({ name: 'x', origins: ['*'] });
  for (let round = 0; round < 4; round++) {
    const t0 = performance.now();
    for (let b = 0; b < 20; b++) {
      await store.commit((d) => {
        for (let i = 0; i < 1000; i++) {
          const o = round * 20000 + b * 1000 + i; const c = o % 400000;
          recordIdentifierSet(d, { siteId: site.id, ids: [{ kind: 'order', value: `B-${o}` }, { kind: 'loyalty', value: `L-${c}` }, { kind: 'email', value: keyHash('e', String(c)).toString(16).padStart(64, 'a') }], source: { type: 'order', ref: `B-${o}`, ts: 1, rule: 'x' } });
        }
      });
    }
    console.log('identity round', round, (performance.now() - t0).toFixed(0), 'ms');
  }
  await store.close();
}, 900_000);
