/**
 * Currencies of the orders a report adds up. Revenue sums amounts as they are (no exchange
 * rates), so every view that shows a sum of several currencies — or of amounts with and
 * without one — says so with the same sentence, and prints a currency sign only when there is
 * exactly one currency.
 */

/** Counts order currencies; goal conversions (channel `goal`) are not orders and are skipped. */
export interface CurrencyTally {
  add(c: { currency?: string | null; channel?: string }): void;
  /** Every currency seen, most frequent first (ties by code). */
  currencies(): string[];
  /** Orders that carried no currency. */
  withoutCurrency(): number;
}

/**
 * @example
 * const t = currencyTally();
 * for (const c of conversions) t.add(c);
 * mixedCurrencyNotice(t.currencies(), t.withoutCurrency());
 */
export function currencyTally(): CurrencyTally {
  const counts = new Map<string, number>();
  let without = 0;
  return {
    add(c) {
      if (c.channel === 'goal') return;
      if (c.currency) counts.set(c.currency, (counts.get(c.currency) ?? 0) + 1);
      else without++;
    },
    currencies: () => [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([c]) => c),
    withoutCurrency: () => without,
  };
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
  /** Currencies of the orders the report adds up, most frequent first: revenue adds their amounts unconverted. */
  currencies: string[];
  /** Those orders without a currency. */
  ordersWithoutCurrency: number;
  /** Present when revenue adds several currencies (or amounts with and without one): say so beside any sum. */
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
  const currencies = t.currencies();
  const ordersWithoutCurrency = t.withoutCurrency();
  const notice = mixedCurrencyNotice(currencies, ordersWithoutCurrency);
  return notice ? { currencies, ordersWithoutCurrency, currencyNotice: notice } : { currencies, ordersWithoutCurrency };
}
