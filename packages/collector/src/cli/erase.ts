import { parseArgs } from 'node:util';
import type { CliIo } from './io';
import { PERSON_OPTIONS, personFlag } from './person-flags';
import { openForSite } from './store';

export const summary = 'Erase a whole stitched person by any one identifier (GDPR Art. 17)';

const HELP = `Usage: omnitrail erase (--user-id | --anonymous-id | --email | --phone | --order-id | --loyalty-id | --handoff-code) <value>
                      [--suppress] [--default-country DE] [--site <id>] [--db <file>] [--json]

Erases every identifier, event, QR scan, touchpoint, link, handoff code and mailing recipient of
the person, and removes every identifier from their orders (revenue, channel, date and products
stay for bookkeeping, and reports count each such order as a journey without touches, like a
walk-in order). Running it again reports nothing left. --suppress also drops all future events
from the person's browser IDs. The audit log records the request without the identifier.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...PERSON_OPTIONS, suppress: { type: 'boolean' }, 'default-country': { type: 'string' }, site: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return io.out(HELP), 0;
  const id = await personFlag(values, values['default-country']);
  const { store, site } = await openForSite(values.db, values.site);
  try {
    const counts = await store.erasePerson(site.id, id, { suppress: values.suppress === true });
    if (values.json) io.out(JSON.stringify(counts));
    else io.out(Object.entries(counts).map(([k, v]) => `${k.padEnd(18)} ${v}`).join('\n'));
    return 0;
  } finally {
    await store.close();
  }
}
