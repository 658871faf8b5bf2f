import { describe, expect, it } from 'vitest';
import { withCollector } from '../test-utils/harness';
import { scanThenOrders } from '../test-utils/qr-orders';
import { formatReport } from './format';
import { displayCurrency, mixedCurrencyNotice, type ReportCurrencies } from './currencies';
import type { AttributionReport } from './attribution';

const T0 = Date.UTC(2026, 2, 10, 12);
const iso = (t: number) => new Date(t).toISOString();
const Q = `from=${iso(T0 - 86_400_000)}&to=${iso(T0 + 86_400_000)}`;

describe('currencies of a sum', () => {
  it('the notice and the display currency', () => {
    expect(mixedCurrencyNotice(['EUR'])).toBeNull();
    expect(mixedCurrencyNotice(['CHF', 'EUR'])).toBe('Orders in this range are in CHF, EUR: revenue adds their amounts as they are, without conversion.');
    expect(mixedCurrencyNotice(['USD'], 2)).toBe('Orders in this range are in USD and 2 without a currency: revenue adds their amounts as they are, without conversion.');
    expect(displayCurrency(['USD'])).toBe('USD');
    expect(displayCurrency(['USD', 'EUR'])).toBeNull();
    expect(displayCurrency(['USD'], 1)).toBeNull();
  });

  it('the attribution report (API and CLI text) lists its currencies and warns when they are mixed', () =>
    withCollector(async (fx) => {
      const orders = [
        { order_id: 'E1', channel: 'store', revenue: 100, currency: 'EUR', timestamp: iso(T0), loyaltyId: 'L-1' },
        { order_id: 'U1', channel: 'store', revenue: 30, currency: 'USD', timestamp: iso(T0 + 1000), loyaltyId: 'L-2' },
      ];
      expect((await fx.post('/v1/orders', { orders }, { auth: 'secret' })).status).toBe(200);
      const r = (await (await fx.get(`/v1/reports/attribution?${Q}`)).json()) as AttributionReport;
      expect(r.currencies).toEqual(['EUR', 'USD']);
      expect(r.ordersWithoutCurrency).toBe(0);
      expect(r.currencyNotice).toBe('Orders in this range are in EUR, USD: revenue adds their amounts as they are, without conversion.');
      expect(formatReport(r)).toContain('Note: Orders in this range are in EUR, USD');

      const one = (await (await fx.get(`/v1/reports/attribution?from=${iso(T0 + 500)}&to=${iso(T0 + 86_400_000)}`)).json()) as AttributionReport;
      expect(one.currencies).toEqual(['USD']);
      expect(one.currencyNotice).toBeUndefined();
      expect(formatReport(one)).toContain('Revenue credited (USD)');
    }));
});

describe('currencies of the ROPO, QR and journeys reports', () => {
  const HOUR_AGO = { now: () => Date.now() - 3600_000 };

  it('list the currencies of the orders they add up, and warn when they are mixed (API and CLI text)', () =>
    withCollector(async (fx) => {
      const q = await scanThenOrders(fx, [
        { order_id: 'E1', revenue: 100, currency: 'EUR' },
        { order_id: 'U1', revenue: 30, currency: 'USD' },
        { order_id: 'N1', revenue: 5 },
      ]);
      const notice = 'Orders in this range are in EUR, USD (and 1 without a currency): revenue adds their amounts as they are, without conversion.';
      for (const name of ['ropo', 'qr', 'journeys']) {
        const r = (await (await fx.get(`/v1/reports/${name}?${q}`)).json()) as ReportCurrencies & Parameters<typeof formatReport>[0];
        expect({ name, currencies: r.currencies, without: r.ordersWithoutCurrency, notice: r.currencyNotice }).toEqual({ name, currencies: ['EUR', 'USD'], without: 1, notice });
        expect(formatReport(r)).toContain(`Note: ${notice}`);
      }
    }, HOUR_AGO));

  it('name the one currency there is, without a notice', () =>
    withCollector(async (fx) => {
      const q = await scanThenOrders(fx, [{ order_id: 'U1', revenue: 30, currency: 'USD' }]);
      for (const name of ['ropo', 'qr', 'journeys']) {
        const r = (await (await fx.get(`/v1/reports/${name}?${q}`)).json()) as ReportCurrencies & Parameters<typeof formatReport>[0];
        expect({ name, currencies: r.currencies, notice: r.currencyNotice }).toEqual({ name, currencies: ['USD'], notice: undefined });
        expect(formatReport(r)).toContain('Revenue (USD)');
      }
    }, HOUR_AGO));
});
