import { parseArgs } from 'node:util';
import { openSqliteStore } from '../store/sqlite/index';
import { normaliseOrigin } from '../ingest/cors';
import { checkCountry, siteCountry } from '../pii/index';
import { checkTimeZone, siteTimeZone } from '../reports/zone';
import { describeRates, ExchangeError, siteExchange, withExchange, type Exchange } from '../reports/exchange';
import { CliError, type CliIo } from './io';
import { openExistingStore, resolveSite } from './store';
import { describeChannelRules, readChannelRulesFile } from './channel-rules';

export const summary = 'Create, update, list and remove sites (keys, allowed origins, time zone, phone-number country, reporting currency, cookieless mode, channel rules)';

const HELP = `Usage:
  omnitrail site create --name <name> --origin <url> [--origin <url> …] [--timezone <IANA>] [--default-country <CC>] [--currency <CODE> [--rate <CODE=rate> …]] [--json] [--db <file>]
  omnitrail site update [--site <id>] [--origin <url> …] [--timezone <IANA>] [--default-country <CC>] [--currency <CODE>|none] [--rate <CODE=rate> …|none]
                        [--cookieless on|off] [--channel-rules <file.json>|none] [--json] [--db <file>]
  omnitrail site list [--json] [--db <file>]
  omnitrail site remove --site <id> [--yes] [--json] [--db <file>]

create  Prints the site id, the public write key and the secret key. The secret key is stored
        hashed and shown only this once. --origin is a page origin allowed to send events from
        a browser (CORS), e.g. https://shop.example; "*" allows any origin.
        --json prints exactly {"id","writeKey","secretKey"} on stdout.
        --timezone is the reporting time zone, e.g. Europe/Berlin (default UTC): where the
        shop's days begin and end in reports and the dashboard. --default-country (e.g. DE) is
        where phone numbers written without their +code are read (imports, orders, lookups).
        --currency (e.g. EUR) is the reporting currency: reports, the dashboard and the order
        form convert orders in another currency with a fixed --rate into it, e.g. --rate
        USD=0.92 (one USD is worth 0.92 EUR; repeatable). Orders in a currency without a rate
        are added as they are, and every sum says so.
update  Changes a site's allowed origins, time zone, default country, currency, cookieless mode and/or
        custom channel rules (--site: default the only site); keys and data stay. --origin
        (repeatable) replaces the whole list of origins, e.g. to add www. beside the bare domain
        or to narrow the "*" of the first site. --cookieless on accepts the SDK's cookieless page views
        (consent denied, no ID: a daily visitor hash, counted, never stitched; PRIVACY.md); off
        refuses them. --channel-rules reads a JSON array of rules (the language of
        docs/attribution-models.md), checked before the default channel table; it is validated
        first and refused with the failing rule's path; "none" clears the rules. --rate
        (repeatable) replaces the whole list of rates ("none": no rates); a new --currency
        without --rate drops the old rates, which were into the old currency; --currency none
        converts nothing. Reports and a
        running collector use the changes within 0.25 s. --json prints the site's settings.
list    Prints every site (never secret keys). --json prints a JSON array.
remove  Deletes a site and all its data: events, orders, persons, QR campaigns, webhooks, keys.
        Without --yes it only says what would go. The events are deleted in short batches beside
        a running collector's ingest; the rest in one transaction at the end. Cannot be undone.

Options:
  --db <file>   SQLite database file (env OMNITRAIL_DB, default ./omnitrail.db)
  -h, --help    Show this help`;

/** A reporting currency and its rates as one line of output. */
function describeExchange(x: Exchange | null): string {
  if (!x) return 'none (orders are added in the currency they were placed in)';
  return Object.keys(x.rates).length ? `${x.currency}, fixed rates ${describeRates(x)}` : `${x.currency}, no rates (orders in other currencies are added as they are)`;
}

/** `--origin` values, normalised and deduplicated; a value that is not an origin is a usage error. */
function parseOrigins(raw: string[]): string[] {
  const origins: string[] = [];
  for (const o of raw) {
    const n = normaliseOrigin(o.trim());
    if (!n) throw new CliError(`--origin "${o}" is not an origin like https://shop.example (or "*")`);
    if (!origins.includes(n)) origins.push(n);
  }
  return origins;
}

/**
 * `omnitrail site create|update|list`.
 *
 * @example
 * await run(['create', '--name', 'Shop', '--origin', 'https://shop.example', '--json'], stdio);
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      origin: { type: 'string', multiple: true },
      timezone: { type: 'string' },
      'default-country': { type: 'string' },
      cookieless: { type: 'string' },
      'channel-rules': { type: 'string' },
      yes: { type: 'boolean' },
      currency: { type: 'string' },
      rate: { type: 'string', multiple: true },
      site: { type: 'string' },
      json: { type: 'boolean' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [action, ...extra] = positionals;
  if (action !== 'create' && action !== 'list' && action !== 'update' && action !== 'remove') {
    throw new CliError(action ? `unknown action "${action}": use "create", "update", "list" or "remove"` : 'missing action: use "create", "update", "list" or "remove" (see --help)');
  }
  if (values.yes && action !== 'remove') throw new CliError('--yes belongs to "site remove"');
  if (extra.length) throw new CliError(`unexpected argument "${extra[0]}"`);
  const dbPath = values.db ?? process.env.OMNITRAIL_DB ?? './omnitrail.db';
  const timezone = values.timezone === undefined ? undefined : checkTimeZone(values.timezone.trim());
  if (timezone === null) throw new CliError(`--timezone "${values.timezone}" is not a time zone: use an IANA name such as Europe/Berlin`);
  const rawCountry = values['default-country'];
  const country = rawCountry === undefined ? undefined : checkCountry(rawCountry);
  if (country === null) throw new CliError(`--default-country "${rawCountry}" is not a country code: use two letters such as DE`);
  const rawCookieless = values.cookieless?.trim().toLowerCase();
  const cookieless = rawCookieless === undefined ? undefined : rawCookieless === 'on' ? true : rawCookieless === 'off' ? false : null;
  if (cookieless === null) throw new CliError(`--cookieless "${values.cookieless}" must be "on" or "off"`);
  if (cookieless !== undefined && action !== 'update') throw new CliError('--cookieless belongs to "site update"');
  const settings = { ...(timezone ? { timezone } : {}), ...(country ? { defaultCountry: country } : {}), ...(cookieless !== undefined ? { cookieless } : {}) };
  const rates = values.rate?.length === 1 && values.rate[0].trim().toLowerCase() === 'none' ? 'none' : values.rate;
  const exchange = values.currency === undefined && rates === undefined ? undefined : { currency: values.currency, rates };
  // Applied to the settings before anything is written: a bad rate changes nothing.
  const exchanged = (base: Record<string, unknown>) => {
    try {
      return exchange ? withExchange(base, exchange) : base;
    } catch (e) {
      if (e instanceof ExchangeError) throw new CliError(`--currency/--rate: ${e.message}`);
      throw e;
    }
  };
  const origins = values.origin === undefined ? undefined : parseOrigins(values.origin);

  if (action === 'remove') {
    if (values.name || values.origin || timezone || country || cookieless !== undefined || values['channel-rules'] !== undefined || exchange) {
      throw new CliError('"site remove" takes only --site, --yes, --json and --db');
    }
    // No default site here: deleting must name what it deletes.
    if (!values.site) throw new CliError('--site <id> is required (see "omnitrail site list")');
    const store = openExistingStore(dbPath);
    try {
      // The id only, not a name as elsewhere: two sites may share a name.
      const site = await store.getSite(values.site);
      if (!site) throw new CliError(`no site with the id "${values.site}" (see "omnitrail site list"; remove takes the id, not the name)`);
      if (!values.yes) {
        const count = (table: string) => store.db.prepare(`SELECT COUNT(*) FROM ${table} WHERE site_id = ?`).pluck().get(site.id) as number;
        throw new CliError(
          `this deletes site "${site.name}" (${site.id}) and all its data: ${count('events')} events, ${count('orders')} orders, ` +
            `${count('identity_ids')} identifiers, ${count('qr_campaigns')} QR campaigns, ${count('webhooks')} webhooks. It cannot be undone: run again with --yes`,
        );
      }
      let said = Date.now();
      const progress = (n: number) => {
        if (Date.now() - said < 1000) return; // a line a second, not one per batch
        said = Date.now();
        io.err(`  ${n} events deleted…`);
      };
      const removed = await store.removeSite(site.id, { onProgress: progress });
      const rows = Object.values(removed).reduce((a, b) => a + b, 0);
      if (values.json) io.out(JSON.stringify({ id: site.id, name: site.name, removed }));
      else io.out(`Removed site "${site.name}" (${site.id}): ${rows} rows (${Object.entries(removed).map(([t, n]) => `${t} ${n}`).join(', ')}).`);
    } finally {
      await store.close();
    }
    return 0;
  }

  if (action === 'update') {
    if (values.name) throw new CliError('--name belongs to "site create"');
    const rulesFile = values['channel-rules'];
    if (!origins && !timezone && !country && cookieless === undefined && rulesFile === undefined && !exchange) {
      throw new CliError('nothing to update: give --origin <url> …, --timezone <IANA>, --default-country <CC>, --currency <CODE> / --rate <CODE=rate> …, --cookieless on|off and/or --channel-rules <file.json>|none');
    }
    // Validated before the database is opened: a bad file changes nothing.
    const rules = rulesFile === undefined ? undefined : readChannelRulesFile(rulesFile);
    const store = openExistingStore(dbPath);
    try {
      const site = await resolveSite(store, values.site);
      const next: Record<string, unknown> = exchanged({ ...site.settings, ...settings });
      if (rules === null) delete next.channelRules;
      else if (rules) next.channelRules = rules;
      if (origins) await store.updateSiteOrigins(site.id, origins);
      await store.updateSiteSettings(site.id, next);
      if (values.json) {
        io.out(
          JSON.stringify({
            id: site.id,
            name: site.name,
            origins: origins ?? site.origins,
            timezone: siteTimeZone(next),
            defaultCountry: siteCountry(next) ?? null,
            cookieless: next.cookieless === true,
            currency: siteExchange(next)?.currency ?? null,
            exchangeRates: siteExchange(next)?.rates ?? {},
            channelRules: next.channelRules ?? [],
          }),
        );
      } else {
        io.out(`Site "${site.name}" (${site.id}): time zone ${siteTimeZone(next)}, default country ${siteCountry(next) ?? 'none'}, cookieless ${next.cookieless === true ? 'on' : 'off'}`);
        if (origins) io.out(`  origins: ${origins.join(' ')}`);
        if (exchange || siteExchange(next)) io.out(`  currency: ${describeExchange(siteExchange(next))}`);
        io.out(`  channel rules: ${describeChannelRules(next)}`);
      }
    } finally {
      await store.close();
    }
    return 0;
  }

  if (action === 'create') {
    if (values['channel-rules'] !== undefined) throw new CliError('--channel-rules belongs to "site update"');
    const name = values.name?.trim();
    if (!name) throw new CliError('--name is required');
    if (name.length > 200) throw new CliError('--name is longer than 200 characters');
    if (!origins) throw new CliError('at least one --origin is required (e.g. --origin https://shop.example, or --origin "*")');
    const store = openSqliteStore(dbPath);
    try {
      const { site, secretKey } = await store.createSite({ name, origins, settings: exchanged(settings) });
      if (values.json) io.out(JSON.stringify({ id: site.id, writeKey: site.writeKey, secretKey }));
      else {
        io.out(`Created site "${site.name}"`);
        io.out(`  site id     ${site.id}`);
        io.out(`  write key   ${site.writeKey}`);
        io.out(`  secret key  ${secretKey}   (shown only now: store it safely)`);
        io.out(`  origins     ${site.origins.join(' ')}`);
        if (timezone) io.out(`  time zone   ${timezone}`);
        if (country) io.out(`  country     ${country}`);
        if (exchange) io.out(`  currency    ${describeExchange(siteExchange(site.settings))}`);
      }
    } finally {
      await store.close();
    }
    return 0;
  }

  if (values.name || values.origin || values.timezone || values['default-country'] || values.site || values['channel-rules'] || exchange) {
    throw new CliError('--name, --origin, --timezone, --default-country, --currency, --rate, --channel-rules and --site belong to "site create" / "site update"');
  }
  const store = openExistingStore(dbPath);
  try {
    const sites = await store.listSites();
    if (values.json) {
      io.out(JSON.stringify(sites.map((s) => ({ id: s.id, name: s.name, writeKey: s.writeKey, origins: s.origins, timezone: siteTimeZone(s.settings), currency: siteExchange(s.settings)?.currency ?? null, cookieless: s.settings.cookieless === true, createdAt: new Date(s.createdAt).toISOString() }))));
    } else if (sites.length === 0) {
      io.out('No sites yet. Create one with: omnitrail site create --name <name> --origin <url>');
    } else {
      const rows = sites.map((s) => [s.id, s.name, s.writeKey, s.origins.join(' '), siteTimeZone(s.settings), new Date(s.createdAt).toISOString().slice(0, 10)]);
      const head = ['ID', 'NAME', 'WRITE KEY', 'ORIGINS', 'TIME ZONE', 'CREATED'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      for (const r of [head, ...rows]) io.out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
    }
  } finally {
    await store.close();
  }
  return 0;
}
