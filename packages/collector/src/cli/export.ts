import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CliError, type CliIo } from './io';
import { PERSON_OPTIONS, personFlag } from './person-flags';
import { openForSite } from './store';

export const summary = 'Export everything stored about a person as JSON (GDPR Art. 15/20)';

const HELP = `Usage: omnitrail export (--user-id | --anonymous-id | --email | --phone | --order-id | --loyalty-id | --handoff-code) <value>
                       [--out <file.json>] [--default-country DE] [--site <id>] [--db <file>]

Writes the whole stitched person: identifiers (e-mail/phone as SHA-256), how they were linked,
events, orders, QR scans, handoff codes and mailings. Exit code 3 when nothing is stored.`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...PERSON_OPTIONS, out: { type: 'string' }, 'default-country': { type: 'string' }, site: { type: 'string' }, db: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return io.out(HELP), 0;
  const id = await personFlag(values, values['default-country']);
  const { store, site } = await openForSite(values.db, values.site);
  try {
    const data = await store.exportPerson(site.id, id);
    if (!data) throw new CliError('nothing is stored for this identifier', 3);
    const json = JSON.stringify(data, null, 2);
    if (values.out) {
      await writeFile(values.out, json + '\n');
      io.err(`wrote ${data.events.length} events, ${data.orders.length} orders, ${data.identifiers.length} identifiers to ${values.out}`);
    } else io.out(json);
    return 0;
  } finally {
    await store.close();
  }
}
