/** Test data: a QR scanner's orders, for the reports that follow scans to orders. */
import { expect } from 'vitest';
import type { CollectorFixture } from './harness';

const iso = (t: number) => new Date(t).toISOString();

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

/**
 * A QR scan recorded an hour ago (the collector's clock), then store orders of the scanner, each
 * linked by the scan token: the orders every revenue figure of the ROPO, QR and journeys reports
 * adds up. Run the collector an hour behind (`now: () => Date.now() - 3600_000`) so the orders
 * come after the scan. Returns the report query of a range around both.
 */
export async function scanThenOrders(fx: CollectorFixture, orders: { order_id: string; revenue: number; currency?: string }[]): Promise<string> {
  let res = await fx.post('/v1/qr/campaigns', { name: 'Flyer', targetUrl: 'https://shop.example/flyer' }, { auth: 'secret' });
  const campaign = (await res.json()) as { id: string };
  res = await fx.post(`/v1/qr/campaigns/${campaign.id}/codes`, {}, { auth: 'secret' });
  const { code } = ((await res.json()) as { codes: { code: string }[] }).codes[0];
  res = await fx.fetch(`/q/${code}`, { redirect: 'manual', headers: { 'user-agent': IPHONE } });
  const token = new URL(res.headers.get('location')!).searchParams.get('ot_scan')!;
  const at = iso(Date.now() - 1800_000);
  const body = { orders: orders.map((o) => ({ channel: 'store', timestamp: at, scanToken: token, ...o })) };
  expect(await (await fx.post('/v1/orders', body, { auth: 'secret' })).json()).toMatchObject({ accepted: orders.length, rejected: [] });
  return `from=${iso(Date.now() - 2 * 86_400_000)}&to=${iso(Date.now() + 60_000)}`;
}

