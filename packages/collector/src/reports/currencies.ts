/**
 * Currencies of the orders a report adds up. Revenue sums amounts as they are, except where the
 * site set a reporting currency with fixed rates (exchange.ts): those orders arrive converted.
 * Every view that shows a sum of several currencies — or of amounts with and without one — or of
 * converted amounts says so with the same sentences, and prints a currency sign only when there
 * is exactly one currency.
 */
import { describeRates, type Exchange } from './exchange';

/** Orders a report converted from one currency into the reporting currency. */
export interface ConvertedOrders {
  from: string;
  to: string;
  rate: number;
  orders: number;
}

/** Counts order currencies; goal conversions (channel `goal`) are not orders and are skipped. */
export interface CurrencyTally {
  add(c: { currency?: string | null; channel?: string; exchanged?: { currency: string; rate: number } }): void;
  /** Every currency seen (after conversion), most frequent first (ties by code). */
  currencies(): string[];
  /** Orders that carried no currency. */
  withoutCurrency(): number;
  /** Orders converted at the site's fixed rates, per original currency, most first. */
  converted(): ConvertedOrders[];
  /** The sentence to print beside the sum (see `currencyNotice`), or null when there is nothing to say. */
  notice(subject?: string): string | null;
}

/**
 * @example
 * const t = currencyTally(siteExchange(site.settings));
 * for (const c of conversions) t.add(c);
 * t.notice() // null, or what the sum mixes or converted
 */
export function currencyTally(exchange?: Exchange | null): CurrencyTally {
  const counts = new Map<string, number>();
  const converted = new Map<string, ConvertedOrders>();
  let without = 0;
  const currencies = () => [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c);
  const convertedList = () => [...converted.values()].sort((a, b) => b.orders - a.orders || a.from.localeCompare(b.from));
  return {
    add(c) {
      if (c.channel === 'goal') return;
      if (c.currency) counts.set(c.currency, (counts.get(c.currency) ?? 0) + 1);
      else without++;
      const x = c.exchanged;
      if (x && c.currency) {
        const e = converted.get(x.currency);
        if (e) e.orders++;
        else converted.set(x.currency, { from: x.currency, to: c.currency, rate: x.rate, orders: 1 });
      }
    },
    currencies,
    withoutCurrency: () => without,
    converted: convertedList,
    notice: (subject) => currencyNotice(currencies(), without, convertedList(), exchange ?? null, subject),
  };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * What a sum needs said beside it: that it adds several currencies (or amounts with and without
 * one) as they are — naming the currencies the site has no rate for — and which orders it
 * converted at the site's fixed rates. Null when every order was placed in the one currency shown.
 *
 * @example
 * currencyNotice(['EUR'], 0, [{ from: 'USD', to: 'EUR', rate: 0.92, orders: 12 }], x)
 * // "Revenue is in EUR: 12 orders in USD were converted at the site's fixed rate (1 USD = 0.92 EUR)."
 */
export function currencyNotice(
  currencies: readonly string[],
  withoutCurrency: number,
  converted: readonly ConvertedOrders[],
  exchange: Exchange | null,
  subject = 'Orders in this range',
): string | null {
  const mixed = mixedCurrencyNotice(currencies, withoutCurrency, subject);
  const parts: string[] = [];
  if (converted.length) {
    const to = converted[0].to;
    const what = converted.map((c, i) => (i === 0 ? `${plural(c.orders, 'order')} in ${c.from}` : `${c.orders} in ${c.from}`));
    const list = what.length > 1 ? `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}` : what[0];
    const rates = describeRates({ currency: to, rates: Object.fromEntries(converted.map((c) => [c.from, c.rate])) });
    const verb = converted.length === 1 && converted[0].orders === 1 ? 'was' : 'were';
    const at = `at the site's fixed rate${converted.length > 1 ? 's' : ''} (${rates})`;
    parts.push(mixed ? `${mixed} ${list} ${verb} converted to ${to} first, ${at}.` : `Revenue is in ${to}: ${list} ${verb} converted ${at}.`);
  } else if (mixed) parts.push(mixed);
  if (exchange && mixed) {
    const missing = currencies.filter((c) => c !== exchange.currency && !Object.prototype.hasOwnProperty.call(exchange.rates, c));
    if (missing.length) parts.push(`No rate to ${exchange.currency} is set for ${missing.join(', ')} (Settings → Currency, or omnitrail site update --rate ${missing[0]}=…).`);
  }
  return parts.length ? parts.join(' ') : null;
}

/**
 * The warning for a sum over several currencies (or over amounts with and without one), or null
 * when every order has the same currency. `subject` names the orders (default: the range's).
 *
 * @example
 * mixedCurrencyNotice(['CHF', 'EUR']) // 'Orders in this range are in CHF, EUR: revenue adds their amounts as they are, without conversion.'
 */
export function mixedCurrencyNotice(currencies: readonly string[], withoutCurrency = 0, subject = 'Orders in this range'): string | null {
  const none = withoutCurrency ? `${withoutCurrency} without a currency` : '';
  if (currencies.length > 1) {
    return `${subject} are in ${currencies.join(', ')}${none ? ` (and ${none})` : ''}: revenue adds their amounts as they are, without conversion.`;
  }
  if (currencies.length === 1 && none) {
    return `${subject} are in ${currencies[0]} and ${none}: revenue adds their amounts as they are, without conversion.`;
  }
  return null;
}

/**
 * The currency to print sums in: the only one there is, else none (a sign would claim a
 * currency the sum is not in).
 *
 * @example
 * displayCurrency(['USD'], 0) // 'USD'; displayCurrency(['USD', 'EUR'], 0) // null
 */
export function displayCurrency(currencies: readonly string[], withoutCurrency = 0): string | null {
  return currencies.length === 1 && !withoutCurrency ? currencies[0] : null;
}

/** The currency fields every report that adds up order revenue carries (API, CLI and dashboard). */
export interface ReportCurrencies {
  /**
   * Currencies of the orders the report adds up, most frequent first, after the site's fixed-rate
   * conversion (`convertedOrders`): revenue adds their amounts as they are.
   */
  currencies: string[];
  /** Those orders without a currency. */
  ordersWithoutCurrency: number;
  /** Present when orders were converted into the site's reporting currency: from which currency, at which rate, how many. */
  convertedOrders?: ConvertedOrders[];
  /** Present when revenue adds several currencies (or amounts with and without one) or converted amounts: say so beside any sum. */
  currencyNotice?: string;
}

/**
 * A report's currency fields from the tally of the orders it added up.
 *
 * @example
 * const t = currencyTally(); t.add({ currency: 'EUR' }); t.add({ currency: 'USD' });
 * reportCurrencies(t) // { currencies: ['EUR', 'USD'], ordersWithoutCurrency: 0, currencyNotice: 'Orders in this range are in EUR, USD: …' }
 */
export function reportCurrencies(t: CurrencyTally): ReportCurrencies {
  const r: ReportCurrencies = { currencies: t.currencies(), ordersWithoutCurrency: t.withoutCurrency() };
  const converted = t.converted();
  if (converted.length) r.convertedOrders = converted;
  const notice = t.notice();
  if (notice) r.currencyNotice = notice;
  return r;
}
