import { describe, expect, it } from 'vitest';
import type { Conversion, PersonJourney } from '../attribution/journey';
import { withCollector } from '../test-utils/harness';
import { scanThenOrders } from '../test-utils/qr-orders';
import { main } from '../cli/main';
import { captureIo } from '../test-utils/cli-io';
import { currencyNotice, currencyTally } from './currencies';
import { checkCurrency, convert, convertJourneys, ExchangeError, MAX_RATES, parseRates, siteExchange, withExchange } from './exchange';
import { formatReport } from './format';
import type { AttributionReport } from './attribution';
import type { ExplainReport } from './explain';

const EUR = { currency: 'EUR', rates: { USD: 0.5, CHF: 1.25 } };
const order = (id: string, value: number, currency?: string): Conversion => ({ id, ts: 1, value, channel: 'store', status: 'completed', ...(currency ? { currency } : {}) });

describe('fixed exchange rates', () => {
  it('read currency codes the way orders do', () => {
    expect([checkCurrency('usd'), checkCurrency(' EUR '), checkCurrency('€'), checkCurrency('£')]).toEqual(['USD', 'EUR', 'EUR', 'GBP']);
    expect([checkCurrency('dollar'), checkCurrency('US'), checkCurrency(7), checkCurrency(undefined), checkCurrency('')]).toEqual([null, null, null, null, null]);
  });

  it('parse rates given by people, refusing each kind of mistake with its entry named', () => {
    expect(parseRates('EUR', ['USD=0.92', ' chf = 1,04 ', '£=1.17'])).toEqual({ USD: 0.92, CHF: 1.04, GBP: 1.17 });
    expect(parseRates('EUR', { USD: 0.92, chf: '1.04' })).toEqual({ USD: 0.92, CHF: 1.04 });
    const refused = (entries: string[] | Record<string, unknown>) => {
      try {
        parseRates('EUR', entries);
      } catch (e) {
        expect(e).toBeInstanceOf(ExchangeError);
        return (e as Error).message;
      }
      throw new Error(`accepted ${JSON.stringify(entries)}`);
    };
    expect(refused(['USD 0.92'])).toBe('"USD 0.92" is not CODE=rate (e.g. USD=0.92: one USD is worth 0.92 EUR)');
    expect(refused(['DOLLAR=1'])).toBe('"DOLLAR" is not a three-letter ISO 4217 currency code');
    expect(refused(['EUR=1'])).toBe('EUR is the reporting currency: it needs no rate');
    expect(refused(['USD=1', 'usd=2'])).toBe('USD has two rates');
    for (const bad of ['0', '-1', 'abc', '', '1e3', '1000000', 'Infinity']) expect(refused([`USD=${bad}`])).toMatch(/^USD: .* is not a rate \(a number > 0: what one USD is worth in EUR\)$/);
    expect(refused({ USD: null })).toMatch(/^USD: null is not a rate/);
    expect(refused(Array.from({ length: MAX_RATES + 1 }, (_, i) => `X${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}=1`))).toBe(`${MAX_RATES + 1} rates: at most ${MAX_RATES}`);
  });

  it('accept a rate written without its leading zero (.92, ,92), as people and spreadsheets write it', () => {
    expect(parseRates('EUR', ['USD=.92', 'CHF=,5'])).toEqual({ USD: 0.92, CHF: 0.5 });
    expect(parseRates('EUR', { USD: '.92' })).toEqual({ USD: 0.92 });
  });

  it('read a site\'s settings leniently: no currency is no conversion, unreadable rates are none', () => {
    expect(siteExchange({})).toBeNull();
    expect(siteExchange(undefined)).toBeNull();
    expect(siteExchange({ currency: 'nope', exchangeRates: { USD: 1 } })).toBeNull();
    expect(siteExchange({ currency: 'eur', exchangeRates: { USD: 0.5 } })).toEqual({ currency: 'EUR', rates: { USD: 0.5 } });
    expect(siteExchange({ currency: 'EUR', exchangeRates: { USD: -1 } })).toEqual({ currency: 'EUR', rates: {} });
    expect(siteExchange({ currency: 'EUR', exchangeRates: ['USD=1'] })).toEqual({ currency: 'EUR', rates: {} });
  });

  it('convert orders with a rate and keep every other order as it is', () => {
    expect(convert(order('U', 100, 'USD'), EUR)).toEqual({ ...order('U', 50, 'EUR'), exchanged: { currency: 'USD', value: 100, rate: 0.5 } });
    expect(convert(order('C', 0.1, 'CHF'), EUR).value).toBe(0.125); // rounded to millionths, no float noise
    for (const o of [order('E', 10, 'EUR'), order('G', 10, 'GBP'), order('N', 10)]) expect(convert(o, EUR)).toBe(o);
    // An inherited property is not a rate.
    expect(convert(order('X', 10, 'constructor'), EUR)).toEqual(order('X', 10, 'constructor'));
  });

  it('convert a stream of journeys, and pass it through untouched without rates', async () => {
    const j: PersonJourney = { personId: 'p', touches: [], conversions: [order('U', 100, 'USD'), order('E', 5, 'EUR')] };
    const plain: PersonJourney = { personId: 'q', touches: [], conversions: [order('E2', 7, 'EUR')] };
    const out: PersonJourney[] = [];
    for await (const x of convertJourneys([j, plain], EUR)) out.push(x);
    expect(out.map((x) => x.conversions.map((c) => [c.value, c.currency]))).toEqual([[[50, 'EUR'], [5, 'EUR']], [[7, 'EUR']]]);
    expect(out[1]).toBe(plain);
    expect(j.conversions[0].value).toBe(100); // the store's objects are not changed
    const stream = [j];
    expect(convertJourneys(stream, null)).toBe(stream);
    expect(convertJourneys(stream, { currency: 'EUR', rates: {} })).toBe(stream);
  });

  it('change settings by one rule: currency changes drop rates into the old one; none clears; mistakes throw', () => {
    const base = { timezone: 'Europe/Berlin' };
    const eur = withExchange(base, { currency: 'eur', rates: ['USD=0.92', '', ' CHF=1.04 '] });
    expect(eur).toEqual({ timezone: 'Europe/Berlin', currency: 'EUR', exchangeRates: { USD: 0.92, CHF: 1.04 } });
    expect(withExchange(eur, { rates: ['GBP=1.17'] })).toEqual({ ...base, currency: 'EUR', exchangeRates: { GBP: 1.17 } });
    expect(withExchange(eur, { currency: 'EUR' })).toEqual(eur);
    expect(withExchange(eur, { currency: 'USD' })).toEqual({ ...base, currency: 'USD' });
    expect(withExchange(eur, { rates: 'none' })).toEqual({ ...base, currency: 'EUR' });
    expect(withExchange(eur, { currency: 'none' })).toEqual(base);
    expect(withExchange(eur, { currency: '', rates: ['', '  '] })).toEqual(base);
    expect(() => withExchange(base, { rates: ['USD=1'] })).toThrow('rates need a reporting currency to convert into: set one too (e.g. EUR)');
    expect(() => withExchange(eur, { currency: 'none', rates: ['USD=1'] })).toThrow('rates need a reporting currency');
    expect(() => withExchange(base, { currency: 'Euro' })).toThrow('"Euro" is not a three-letter ISO 4217 currency code (e.g. EUR)');
    expect(() => withExchange(eur, { currency: 'USD', rates: ['USD=1'] })).toThrow('USD is the reporting currency');
  });

  it('say what a sum converted, and which currencies still lack a rate', () => {
    const t = currencyTally(EUR);
    for (const c of [order('U1', 10, 'USD'), order('U2', 10, 'USD'), order('C', 10, 'CHF'), order('E', 10, 'EUR')].map((o) => convert(o, EUR))) t.add(c);
    expect(t.currencies()).toEqual(['EUR']);
    expect(t.converted()).toEqual([{ from: 'USD', to: 'EUR', rate: 0.5, orders: 2 }, { from: 'CHF', to: 'EUR', rate: 1.25, orders: 1 }]);
    expect(t.notice()).toBe("Revenue is in EUR: 2 orders in USD and 1 in CHF were converted at the site's fixed rates (1 USD = 0.5 EUR, 1 CHF = 1.25 EUR).");
    t.add(order('G', 10, 'GBP'));
    expect(t.notice()).toBe(
      "Orders in this range are in EUR, GBP: revenue adds their amounts as they are, without conversion. 2 orders in USD and 1 in CHF were converted to EUR first, at the site's fixed rates (1 USD = 0.5 EUR, 1 CHF = 1.25 EUR). No rate to EUR is set for GBP (Settings → Currency, or omnitrail site update --rate GBP=…).",
    );
    expect(currencyNotice(['EUR'], 0, [{ from: 'USD', to: 'EUR', rate: 0.5, orders: 1 }], EUR, 'x')).toBe("Revenue is in EUR: 1 order in USD was converted at the site's fixed rate (1 USD = 0.5 EUR).");
    expect(currencyNotice(['EUR'], 0, [], EUR)).toBeNull();
    expect(currencyNotice(['USD', 'EUR'], 0, [], null)).toBe('Orders in this range are in USD, EUR: revenue adds their amounts as they are, without conversion.');
  });
});

const T0 = Date.UTC(2026, 2, 10, 12);
const iso = (t: number) => new Date(t).toISOString();
const Q = `from=${iso(T0 - 86_400_000)}&to=${iso(T0 + 86_400_000)}`;

describe('reports in the site\'s reporting currency', () => {
  it('attribution, explain and the CLI text convert orders with a rate, and say so', () =>
    withCollector(async (fx) => {
      const orders = [
        { order_id: 'E1', channel: 'store', revenue: 100, currency: 'EUR', timestamp: iso(T0), loyaltyId: 'L-1' },
        { order_id: 'U1', channel: 'store', revenue: 30, currency: 'USD', timestamp: iso(T0 + 1000), loyaltyId: 'L-2' },
        { order_id: 'G1', channel: 'store', revenue: 10, currency: 'GBP', timestamp: iso(T0 + 2000), loyaltyId: 'L-3' },
      ];
      expect((await fx.post('/v1/orders', { orders }, { auth: 'secret' })).status).toBe(200);
      const report = async () => (await (await fx.get(`/v1/reports/attribution?${Q}`)).json()) as AttributionReport;
      // Without a reporting currency nothing is converted.
      expect((await report()).totals.revenue).toBe(140);

      await fx.store.updateSiteSettings(fx.site.id, withExchange(fx.site.settings, { currency: 'EUR', rates: ['USD=0.5'] }));
      const r = await report();
      expect(r.totals.revenue).toBe(125); // 100 EUR + 30 USD × 0.5 + 10 GBP without a rate
      expect(r.currencies).toEqual(['EUR', 'GBP']);
      expect(r.convertedOrders).toEqual([{ from: 'USD', to: 'EUR', rate: 0.5, orders: 1 }]);
      expect(r.currencyNotice).toContain("1 order in USD was converted to EUR first, at the site's fixed rate (1 USD = 0.5 EUR). No rate to EUR is set for GBP");
      expect(formatReport(r)).toContain(`Note: ${r.currencyNotice}`);

      const x = (await (await fx.get(`/v1/reports/explain?${Q}&order=U1`)).json()) as ExplainReport;
      expect(x.order).toMatchObject({ value: 15, currency: 'EUR', exchanged: { currency: 'USD', value: 30, rate: 0.5 } });
      expect(formatReport(x)).toContain('15.00 EUR (30.00 USD at 0.5)');

      // With a rate for every currency the sum is in one currency: the sign is shown, the notice only says what was converted.
      await fx.store.updateSiteSettings(fx.site.id, withExchange((await fx.store.getSite(fx.site.id))!.settings, { rates: ['USD=0.5', 'GBP=1.2'] }));
      const all = await report();
      expect(all.totals.revenue).toBe(127);
      expect(all.currencies).toEqual(['EUR']);
      expect(all.currencyNotice).toBe("Revenue is in EUR: 1 order in GBP and 1 in USD were converted at the site's fixed rates (1 GBP = 1.2 EUR, 1 USD = 0.5 EUR).");
      expect(formatReport(all)).toContain('Revenue credited (EUR)');
      // The rows split the converted total.
      const credited = all.rows.reduce((a, row) => a + (row.revenue.linear ?? 0), 0);
      expect(Math.round(credited * 100) / 100).toBe(127);
    }));

  it('ROPO, QR and journeys add converted revenue', () =>
    withCollector(
      async (fx) => {
        const q = await scanThenOrders(fx, [
          { order_id: 'E1', revenue: 100, currency: 'EUR' },
          { order_id: 'U1', revenue: 30, currency: 'USD' },
        ]);
        await fx.store.updateSiteSettings(fx.site.id, withExchange(fx.site.settings, { currency: 'EUR', rates: ['USD=0.5'] }));
        const notice = "Revenue is in EUR: 1 order in USD was converted at the site's fixed rate (1 USD = 0.5 EUR).";
        const revenueOf: Record<string, (r: any) => number> = {
          ropo: (r) => r.offlineOrders.revenue,
          qr: (r) => r.campaigns[0].revenue,
          journeys: (r) => r.rows.reduce((a: number, row: { revenue: number }) => a + row.revenue, 0),
        };
        for (const name of ['ropo', 'qr', 'journeys']) {
          const r = await (await fx.get(`/v1/reports/${name}?${q}`)).json();
          expect({ name, revenue: revenueOf[name](r), currencies: r.currencies, notice: r.currencyNotice }).toEqual({ name, revenue: 115, currencies: ['EUR'], notice });
        }
      },
      { now: () => Date.now() - 3600_000 },
    ));
});

describe('omnitrail site --currency / --rate', () => {
  it('sets, replaces and clears the reporting currency and its rates; mistakes change nothing', () =>
    withCollector(async (fx) => {
      const db = fx.dbPath;
      const run = async (...args: string[]) => {
        const io = captureIo();
        const code = await main(['site', 'update', ...args, '--db', db], io);
        return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
      };
      const json = async (...args: string[]) => JSON.parse((await run(...args, '--json')).out) as { currency: string | null; exchangeRates: Record<string, number> };

      expect(await json('--currency', 'eur', '--rate', 'USD=0.92', '--rate', 'chf=1,04')).toMatchObject({ currency: 'EUR', exchangeRates: { USD: 0.92, CHF: 1.04 } });
      const text = await run('--rate', 'USD=0.9');
      expect(text.err).toBe('');
      expect(text.out).toContain('  currency: EUR, fixed rates 1 USD = 0.9 EUR');
      for (const [args, msg] of [
        [['--rate', 'USD:0.9'], '"USD:0.9" is not CODE=rate'],
        [['--rate', 'EUR=1'], 'EUR is the reporting currency'],
        [['--currency', 'euro'], '"euro" is not a three-letter ISO 4217 currency code'],
        [['--currency', 'none', '--rate', 'USD=1'], 'rates need a reporting currency'],
      ] as const) {
        const r = await run(...args);
        expect(r.code, args.join(' ')).not.toBe(0);
        expect(r.err).toContain(`--currency/--rate: `);
        expect(r.err).toContain(msg);
        expect(siteExchange((await fx.store.getSite(fx.site.id))!.settings)).toEqual({ currency: 'EUR', rates: { USD: 0.9 } });
      }
      expect(await json('--timezone', 'UTC')).toMatchObject({ currency: 'EUR', exchangeRates: { USD: 0.9 } }); // other changes keep them
      expect(await json('--currency', 'USD')).toMatchObject({ currency: 'USD', exchangeRates: {} }); // rates into EUR are gone
      expect(await json('--currency', 'none')).toMatchObject({ currency: null, exchangeRates: {} });
      const list = captureIo();
      await main(['site', 'list', '--json', '--db', db], list);
      expect(JSON.parse(list.stdout.join(''))[0].currency).toBeNull();
    }));
});
