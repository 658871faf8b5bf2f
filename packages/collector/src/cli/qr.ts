import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeCsv } from '../orders/csv-encoding';
import { siteCountry } from '../pii/index';
import { normaliseCode } from '../qr/alphabet';
import { parseNewCampaign } from '../qr/campaign';
import { codesCsv, codesSheet } from '../qr/export';
import { parseRecipientsCsv, parseRecipientsJson } from '../qr/recipients';
import { parseRenderOptions, renderPng, renderSvg } from '../qr/render';
import { scanUrl, validateTargetUrl } from '../qr/url';
import { openSqliteStore, type SqliteStore } from '../store/sqlite/index';
import type { QrCampaign, QrCode } from '../store/qr';
import type { Site } from '../store/types';
import { CliError, type CliIo } from './io';
import { dbPathOf, openExistingStore, resolveSite } from './store';

export const summary = 'QR campaigns and codes: create, mailings, render PNG/SVG, print sheets, mail-merge CSV';

const HELP = `Usage:
  omnitrail qr campaign create --name <name> --target <url> [--fallback <url>] [--utm key=value …]
                               [--starts <iso>] [--ends <iso>] [--base-url <url>] [--json]
  omnitrail qr campaign list [--json]
  omnitrail qr campaign disable|enable <campaignId>
  omnitrail qr code create --campaign <id> [--count <n>] [--label <text>] [--target <url>] [--json]
  omnitrail qr mailing <recipients.csv|.json> --campaign <id> [--default-country <CC>] [--out <codes.csv>]
  omnitrail qr render <code> (--svg | --png) --out <file> [--size <px>] [--ecc L|M|Q|H] [--margin <modules>]
  omnitrail qr sheet --campaign <id> --out <sheet.html> [--size <px>] [--ecc L|M|Q|H]
  omnitrail qr export-csv --campaign <id> [--out <codes.csv>]

campaign create  The target must be on one of the site's origins. UTM defaults: utm_source=qr,
                 utm_medium=print, utm_campaign=<name slug>; override with --utm medium=direct_mail.
                 --base-url is the public URL of this collector printed into every code
                 (<base-url>/q/<code>); default env OMNITRAIL_PUBLIC_URL.
mailing          One personalised code per recipient (≥ 64-bit random). CSV with a header row
                 (, ; or tab): recipient_ref plus any of customer_id, email, phone, loyalty_id
                 (names case-insensitive; other columns are ignored with a warning naming them).
                 E-mail and phone are hashed before storage. Re-running is idempotent. Rejected
                 rows are listed with their line number; the good rows go ahead.
render / sheet   Error correction M by default, 4-module quiet zone.

Options:
  --site <id>   Site (default: the only site in the database)
  --db <file>   SQLite database file (env OMNITRAIL_DB, default ./omnitrail.db)
  -h, --help    Show this help`;

const OPTIONS = {
  site: { type: 'string' },
  db: { type: 'string' },
  name: { type: 'string' },
  target: { type: 'string' },
  fallback: { type: 'string' },
  utm: { type: 'string', multiple: true },
  starts: { type: 'string' },
  ends: { type: 'string' },
  'base-url': { type: 'string' },
  campaign: { type: 'string' },
  count: { type: 'string' },
  label: { type: 'string' },
  'default-country': { type: 'string' },
  out: { type: 'string' },
  svg: { type: 'boolean' },
  png: { type: 'boolean' },
  size: { type: 'string' },
  ecc: { type: 'string' },
  margin: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parse>['values'];
function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
}


async function campaignOf(store: SqliteStore, site: Site, id: string | undefined): Promise<QrCampaign> {
  if (!id) throw new CliError('--campaign <id> is required (see "omnitrail qr campaign list")');
  const c = await store.getQrCampaign(site.id, id);
  if (!c) throw new CliError(`campaign "${id}" not found on site ${site.id}`);
  return c;
}

async function allCodes(store: SqliteStore, c: QrCampaign): Promise<QrCode[]> {
  const out: QrCode[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.listQrCodes(c.siteId, c.id, { after, limit: 10_000 });
    out.push(...page);
    if (page.length < 10_000) return out;
    after = page[page.length - 1].code;
  }
}

async function emit(io: CliIo, out: string | undefined, text: string | Uint8Array, what: string): Promise<void> {
  if (out) {
    await writeFile(out, text);
    io.err(`wrote ${what} to ${out}`);
  } else if (typeof text === 'string') io.out(text.replace(/\r?\n$/, ''));
  else throw new CliError('--out <file> is required for binary output');
}

/** Wraps validation errors (QrInputError is an HTTPException) as CLI errors. */
async function guarded<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Error && (e.name === 'QrInputError' || e.name === 'QrNotFoundError')) throw new CliError(e.message);
    throw e;
  }
}

/**
 * `omnitrail qr …`.
 *
 * @example
 * await run(['campaign', 'create', '--name', 'Flyer', '--target', 'https://shop.example/', '--base-url', 'https://t.shop.example'], stdio);
 */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  const store = openExistingStore(dbPathOf(values.db));
  try {
    return await guarded(() => dispatch(store, positionals, values, io));
  } finally {
    await store.close();
  }
}

async function dispatch(store: SqliteStore, pos: string[], v: Values, io: CliIo): Promise<number> {
  const [group, action, arg] = pos;
  const site = await resolveSite(store, v.site);
  const key = group === 'campaign' || group === 'code' ? `${group} ${action ?? ''}` : group;
  switch (key) {
    case 'campaign create': {
      const utm: Record<string, string> = {};
      for (const kv of v.utm ?? []) {
        const eq = kv.indexOf('=');
        if (eq < 1) throw new CliError(`--utm "${kv}" must be key=value, e.g. --utm medium=direct_mail`);
        utm[kv.slice(0, eq)] = kv.slice(eq + 1);
      }
      const base = v['base-url'] ?? process.env.OMNITRAIL_PUBLIC_URL;
      if (!base) throw new CliError('--base-url is required: the public URL of this collector printed into the codes (or set OMNITRAIL_PUBLIC_URL)');
      const input = parseNewCampaign({ name: v.name, targetUrl: v.target, fallbackUrl: v.fallback, utm, startsAt: v.starts, endsAt: v.ends, baseUrl: base }, site.origins, base);
      const c = await store.createQrCampaign(site.id, input);
      if (v.json) io.out(JSON.stringify(c));
      else io.out(`Created campaign ${c.id} "${c.name}" → ${c.targetUrl}\n  utm ${new URLSearchParams(c.utm as Record<string, string>)}\n  next: omnitrail qr code create --campaign ${c.id}   or   omnitrail qr mailing list.csv --campaign ${c.id}`);
      return 0;
    }
    case 'campaign list': {
      const list = await store.listQrCampaigns(site.id);
      if (v.json) io.out(JSON.stringify(list));
      else if (list.length === 0) io.out('No campaigns yet: omnitrail qr campaign create --name … --target …');
      else for (const c of list) io.out(`${c.id}  ${c.disabled ? 'disabled' : 'active  '}  codes ${String(c.codes).padStart(6)}  scans ${String(c.scans).padStart(7)}  ${c.name}  → ${c.targetUrl}`);
      return 0;
    }
    case 'campaign disable':
    case 'campaign enable': {
      const c = await campaignOf(store, site, arg ?? v.campaign);
      await store.updateQrCampaign(site.id, c.id, { disabled: action === 'disable' });
      io.out(`campaign ${c.id} ${action}d`);
      return 0;
    }
    case 'code create': {
      const c = await campaignOf(store, site, v.campaign);
      const count = v.count ? Number(v.count) : 1;
      if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new CliError('--count must be an integer from 1 to 100000');
      const targetUrl = v.target ? validateTargetUrl(v.target, site.origins) : null;
      const codes = await store.createSharedQrCodes(site.id, c.id, { count, label: v.label ?? null, targetUrl });
      for (const k of codes) io.out(v.json ? JSON.stringify({ ...k, url: scanUrl(c.baseUrl, k.code) }) : `${k.code}  ${scanUrl(c.baseUrl, k.code)}`);
      return 0;
    }
    case 'mailing': {
      const file = action;
      if (!file) throw new CliError('usage: omnitrail qr mailing <recipients.csv> --campaign <id>');
      const c = await campaignOf(store, site, v.campaign);
      let text: string;
      try {
        // A JSON list is UTF-8; a CSV may be an older Excel export in Windows-1252.
        const bytes = await readFile(file);
        text = /\.json$/i.test(file) ? bytes.toString('utf8') : decodeCsv(bytes);
      } catch (e) {
        throw new CliError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const opts = { defaultCountry: v['default-country'] ?? siteCountry(site.settings) };
      let json: unknown;
      if (/\.json$/i.test(file)) {
        try {
          json = JSON.parse(text);
        } catch (e) {
          throw new CliError(`${file} is not valid JSON: ${(e as Error).message}`);
        }
      }
      const parsed = json !== undefined ? await parseRecipientsJson(json, opts) : await parseRecipientsCsv(text, opts);
      for (const p of parsed.rejected) io.err(`${file}:${p.line}: rejected${p.ref ? ` (${p.ref})` : ''}: ${p.reason}`);
      // A warning about the header (unused columns) belongs to no recipient: no "(null)".
      for (const p of parsed.warnings) io.err(`${file}:${p.line}: warning${p.ref ? ` (${p.ref})` : ''}: ${p.reason}`);
      const res = await store.createPersonalQrCodes(site.id, c.id, parsed.recipients);
      io.err(`${res.created} new code(s), ${res.existing} already existed, ${parsed.rejected.length} row(s) rejected`);
      await emit(io, v.out, codesCsv(c, res.codes, true), 'mail-merge CSV');
      return parsed.rejected.length > 0 ? 1 : 0;
    }
    case 'render': {
      if (!action) throw new CliError('usage: omnitrail qr render <code> --png|--svg --out <file>');
      if (v.svg === v.png) throw new CliError('choose exactly one of --svg or --png');
      const code = await store.getQrCode(site.id, normaliseCode(action));
      const c = code && (await store.getQrCampaign(site.id, code.campaignId));
      if (!code || !c) throw new CliError(`code ${action} not found on site ${site.id}`);
      const render = parseRenderOptions({ ecc: v.ecc, size: v.size, margin: v.margin });
      const url = scanUrl(c.baseUrl, code.code);
      if (!v.out) throw new CliError('--out <file> is required');
      await emit(io, v.out, v.svg ? await renderSvg(url, render) : await renderPng(url, render), `${url} as ${v.svg ? 'SVG' : 'PNG'}`);
      return 0;
    }
    case 'sheet': {
      const c = await campaignOf(store, site, v.campaign);
      if (!v.out) throw new CliError('--out <sheet.html> is required');
      const render = parseRenderOptions({ ecc: v.ecc, size: v.size ?? '180', margin: v.margin });
      const codes = await allCodes(store, c);
      await emit(io, v.out, await codesSheet(c, codes, render), `a sheet of ${codes.length} code(s)`);
      return 0;
    }
    case 'export-csv': {
      const c = await campaignOf(store, site, v.campaign);
      await emit(io, v.out, codesCsv(c, await allCodes(store, c), true), 'mail-merge CSV');
      return 0;
    }
    default:
      throw new CliError(`unknown command "qr ${pos.join(' ')}" (see "omnitrail qr --help")`);
  }
}
