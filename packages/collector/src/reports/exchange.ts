/**
 * A site's fixed exchange rates: `settings.currency` is its reporting currency (ISO 4217) and
 * `settings.exchangeRates` says what one unit of another currency is worth in it
 * (`{ USD: 0.92 }`: 1 USD = 0.92 EUR). Reports convert every order in a currency with a rate
 * before they add revenue; an order in the reporting currency, in a currency without a rate or
 * without a currency keeps its amount, and the currency notice says what was converted and what
 * was not (currencies.ts).
 *
 * Fixed rates, not daily ones: the collector has no rate feed it could trust offline, and a fixed
 * rate keeps a report reproducible (the same range sums to the same revenue next month). A shop
 * that books every sale at the day's rate converts in its ERP before it sends the order.
 */
import type { Conversion, PersonJourney } from '../attribution/journey';
import { parseCurrency } from '../orders/parse';

/** A reporting currency and the value of one unit of each other currency in it. */
export interface Exchange {
  currency: string;
  rates: Readonly<Record<string, number>>;
}

/** A currency setting was invalid; the message says which part and why. */
export class ExchangeError extends Error {}

/** At most this many rates per site: a shop sells in a handful of currencies, not hundreds. */
export const MAX_RATES = 200;

/**
 * An ISO 4217 code (any case, or € / £), upper-cased; null when it is not one.
 *
 * @example
 * checkCurrency('usd') // 'USD'; checkCurrency('€') // 'EUR'; checkCurrency('dollar') // null
 */
export function checkCurrency(v: unknown): string | null {
  try {
    return parseCurrency(v) ?? null;
  } catch {
    return null;
  }
}

/**
 * Validates rates for a reporting currency, as given by a person (CLI `--rate USD=0.92`, the
 * settings form one per line, or the JSON object of `settings.exchangeRates`): codes upper-cased,
 * each rate a number > 0 and < 1 000 000, no rate for the reporting currency itself (it is 1).
 * Throws `ExchangeError` naming the bad entry.
 *
 * @example
 * parseRates('EUR', ['USD=0.92', 'chf = 1.04']) // { USD: 0.92, CHF: 1.04 }
 */
export function parseRates(currency: string, entries: Iterable<string> | Record<string, unknown>): Record<string, number> {
  const pairs: [string, unknown][] =
    Symbol.iterator in entries
      ? [...(entries as Iterable<string>)].map((e) => {
          const at = e.indexOf('=');
          if (at < 0) throw new ExchangeError(`"${e}" is not CODE=rate (e.g. USD=0.92: one USD is worth 0.92 ${currency})`);
          return [e.slice(0, at), e.slice(at + 1).trim()];
        })
      : Object.entries(entries);
  if (pairs.length > MAX_RATES) throw new ExchangeError(`${pairs.length} rates: at most ${MAX_RATES}`);
  const rates: Record<string, number> = {};
  for (const [rawCode, raw] of pairs) {
    const code = checkCurrency(rawCode);
    if (!code) throw new ExchangeError(`"${rawCode.trim()}" is not a three-letter ISO 4217 currency code`);
    if (code === currency) throw new ExchangeError(`${code} is the reporting currency: it needs no rate`);
    if (code in rates) throw new ExchangeError(`${code} has two rates`);
    // Strings come from people: "0,92" is the decimal comma of half of Europe, and ".92" how a
    // spreadsheet or a hurried person writes a rate below one.
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^(\d+([.,]\d+)?|[.,]\d+)$/.test(raw) ? Number(raw.replace(',', '.')) : NaN;
    if (!(n > 0 && n < 1_000_000)) throw new ExchangeError(`${code}: ${JSON.stringify(raw)} is not a rate (a number > 0: what one ${code} is worth in ${currency})`);
    rates[code] = n;
  }
  return rates;
}

/**
 * The exchange of a site's settings, or null when it sets no reporting currency. Settings are
 * validated when saved (CLI, dashboard); anything unreadable in a stored value reads as no
 * conversion rather than failing every report.
 *
 * @example
 * siteExchange({ currency: 'EUR', exchangeRates: { USD: 0.92 } }) // { currency: 'EUR', rates: { USD: 0.92 } }
 */
export function siteExchange(settings: Record<string, unknown> | undefined): Exchange | null {
  const currency = checkCurrency(settings?.currency);
  if (!currency) return null;
  const raw = settings?.exchangeRates;
  try {
    return { currency, rates: raw && typeof raw === 'object' && !Array.isArray(raw) ? parseRates(currency, raw as Record<string, unknown>) : {} };
  } catch {
    return { currency, rates: {} };
  }
}

/** The rate of a currency, undefined for the reporting currency itself, an unknown one or none. */
function rateOf(x: Exchange, currency: string | undefined): number | undefined {
  return currency && Object.prototype.hasOwnProperty.call(x.rates, currency) ? x.rates[currency] : undefined;
}

/**
 * A conversion in the reporting currency when it has a rate (its amount as placed kept in
 * `exchanged`); any other conversion as it is. Values are rounded to millionths, the engine's unit.
 *
 * @example
 * convert({ id: 'A1', ts, value: 100, currency: 'USD', channel: 'web', status: 'completed' }, x)
 * // { …, value: 92, currency: 'EUR', exchanged: { currency: 'USD', value: 100, rate: 0.92 } }
 */
export function convert(c: Conversion, x: Exchange): Conversion {
  const rate = rateOf(x, c.currency);
  if (rate === undefined) return c;
  return { ...c, value: Math.round(c.value * rate * 1e6) / 1e6, currency: x.currency, exchanged: { currency: c.currency!, value: c.value, rate } };
}

/**
 * The journeys with every order converted by `x` (the stream itself when there is no exchange).
 *
 * @example
 * attribute(convertJourneys(store.journeys(site.id, q), siteExchange(site.settings)), opts)
 */
export function convertJourneys(
  stream: AsyncIterable<PersonJourney> | Iterable<PersonJourney>,
  x: Exchange | null | undefined,
): AsyncIterable<PersonJourney> | Iterable<PersonJourney> {
  if (!x || Object.keys(x.rates).length === 0) return stream;
  return (async function* () {
    for await (const j of stream) {
      yield j.conversions.some((c) => rateOf(x, c.currency) !== undefined) ? { ...j, conversions: j.conversions.map((c) => convert(c, x)) } : j;
    }
  })();
}

/**
 * How rates read in a sentence, in the order given.
 *
 * @example
 * describeRates({ currency: 'EUR', rates: { USD: 0.92 } }) // '1 USD = 0.92 EUR'
 */
export function describeRates(x: Exchange, only?: readonly string[]): string {
  return (only ?? Object.keys(x.rates)).map((c) => `1 ${c} = ${x.rates[c]} ${x.currency}`).join(', ');
}

/**
 * A site's settings with its reporting currency and/or rates changed, validated (the one rule of
 * `omnitrail site update` and the dashboard's settings form). `currency`: a code, or "" / "none"
 * to convert nothing (the rates go with it); undefined keeps the current one. `rates`: the whole
 * new list (`USD=0.92` entries, blank ones ignored), "none" for no rates; undefined keeps the
 * current rates unless the currency changed — rates into the old currency would be wrong into the
 * new one, so they are dropped. Throws `ExchangeError`.
 *
 * @example
 * withExchange({ timezone: 'UTC' }, { currency: 'eur', rates: ['USD=0.92'] })
 * // { timezone: 'UTC', currency: 'EUR', exchangeRates: { USD: 0.92 } }
 */
export function withExchange(settings: Record<string, unknown>, change: { currency?: string; rates?: Iterable<string> | 'none' }): Record<string, unknown> {
  const { currency: _c, exchangeRates: _r, ...rest } = settings;
  const now = siteExchange(settings);
  const raw = change.currency?.trim();
  const rateList = change.rates === undefined || change.rates === 'none' ? change.rates : [...change.rates].map((e) => e.trim()).filter(Boolean);
  if (raw === '' || raw?.toLowerCase() === 'none') {
    if (Array.isArray(rateList) && rateList.length) throw new ExchangeError('rates need a reporting currency to convert into');
    return rest;
  }
  const currency = raw === undefined ? now?.currency : checkCurrency(raw);
  if (currency === null) throw new ExchangeError(`"${raw}" is not a three-letter ISO 4217 currency code (e.g. EUR)`);
  if (!currency) {
    if (Array.isArray(rateList) && rateList.length) throw new ExchangeError('rates need a reporting currency to convert into: set one too (e.g. EUR)');
    return rest;
  }
  const rates = rateList === undefined ? (now && now.currency === currency ? { ...now.rates } : {}) : rateList === 'none' ? {} : parseRates(currency, rateList);
  return Object.keys(rates).length ? { ...rest, currency, exchangeRates: rates } : { ...rest, currency };
}
