import { expect, test } from 'vitest';
import { withCollector } from '../test-utils/harness';
import { requestOrigin } from './request-origin';

const ctx = (url: string, headers: Record<string, string> = {}) => ({ req: { url, header: (n: string) => headers[n.toLowerCase()] } });

test('requestOrigin: the forwarded https scheme of a TLS proxy, never another host or a downgrade', () => {
  expect(requestOrigin(ctx('http://t.shop.example/v1/qr/campaigns'))).toBe('http://t.shop.example');
  expect(requestOrigin(ctx('http://t.shop.example/x', { 'x-forwarded-proto': 'https' }))).toBe('https://t.shop.example');
  expect(requestOrigin(ctx('http://t.shop.example:8787/x', { 'x-forwarded-proto': 'HTTPS, http' }))).toBe('https://t.shop.example:8787');
  expect(requestOrigin(ctx('https://t.shop.example/x', { 'x-forwarded-proto': 'http' }))).toBe('https://t.shop.example');
  expect(requestOrigin(ctx('http://t.shop.example/x', { 'x-forwarded-proto': 'https://evil.example' }))).toBe('http://t.shop.example');
});

test('a QR campaign created behind a TLS proxy (no public URL) prints https:// codes, in the API and the code images', () =>
  withCollector(async (fx) => {
    // What nginx in docs/deploy-subdomain.md sends to 127.0.0.1:8787 for https://t.shop.example.
    const headers = { authorization: fx.secretAuth, 'content-type': 'application/json', 'x-forwarded-proto': 'https' };
    const res = await fx.app.request('http://t.shop.example/v1/qr/campaigns', {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Spring', targetUrl: 'https://shop.example/spring' }),
    });
    expect(res.status).toBe(201);
    const campaign = await res.json();
    expect(campaign.baseUrl).toBe('https://t.shop.example');
    const codes = await fx.app.request(`http://t.shop.example/v1/qr/campaigns/${campaign.id}/codes`, { method: 'POST', headers, body: '{}' });
    expect((await codes.json()).codes[0].url).toMatch(/^https:\/\/t\.shop\.example\/q\/[0-9A-Z]{8}$/);
  }));
