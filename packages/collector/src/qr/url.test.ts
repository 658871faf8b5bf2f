import { describe, expect, test } from 'vitest';
import { buildRedirectUrl, defaultUtm, scanUrl, validateBaseUrl, validateFallbackUrl, validateTargetUrl, validateUtm } from './url';

const origins = ['https://shop.example', 'https://www.shop.example/'];

describe('campaign URLs', () => {
  test('target must be on one of the site origins', () => {
    expect(validateTargetUrl('https://shop.example/spring?x=1', origins)).toBe('https://shop.example/spring?x=1');
    expect(validateTargetUrl('https://www.shop.example/', origins)).toBe('https://www.shop.example/');
    for (const bad of [
      'https://evil.com/',
      'https://shop.example.evil.com/',
      'http://shop.example/',
      'https://shop.example:444/',
      'javascript:alert(1)',
      'data:text/html,hi',
      '//evil.com',
      '/relative',
      'https://user:pw@shop.example/',
      42,
    ]) {
      expect(() => validateTargetUrl(bad, origins), String(bad)).toThrow();
    }
    expect(validateTargetUrl('http://anything.example/', ['*'])).toBe('http://anything.example/');
    expect(() => validateTargetUrl('ftp://anything.example/', ['*'])).toThrow(/http/);
  });

  test('fallback and base URLs', () => {
    expect(validateFallbackUrl('https://other.example/sorry')).toBe('https://other.example/sorry');
    expect(() => validateFallbackUrl('javascript:alert(1)')).toThrow();
    expect(validateBaseUrl('https://t.shop.example/')).toBe('https://t.shop.example');
    expect(validateBaseUrl('https://t.shop.example/omnitrail/')).toBe('https://t.shop.example/omnitrail');
    expect(() => validateBaseUrl('https://t.shop.example/?a=1')).toThrow();
  });

  test('UTM defaults and validation', () => {
    expect(defaultUtm('Frühjahrs-Flyer 2026!', {})).toEqual({ utm_source: 'qr', utm_medium: 'print', utm_campaign: 'fruhjahrs-flyer-2026' });
    expect(defaultUtm('x', { utm_medium: 'direct_mail' }).utm_medium).toBe('direct_mail');
    expect(validateUtm({ medium: 'print', utm_content: 'back' })).toEqual({ utm_medium: 'print', utm_content: 'back' });
    expect(() => validateUtm({ utm_evil: 'x' })).toThrow(/unknown UTM/);
    expect(() => validateUtm({ utm_source: 5 })).toThrow();
  });

  test('redirect = registered target + campaign UTM (overriding) + token; controls are encoded', () => {
    const u = buildRedirectUrl('https://shop.example/spring?utm_medium=web&id=5#top', { utm_source: 'qr', utm_medium: 'print' }, 'TOK.en');
    expect(u).toBe('https://shop.example/spring?utm_medium=print&id=5&utm_source=qr&ot_scan=TOK.en#top');
    const evil = buildRedirectUrl('https://shop.example/', { utm_campaign: 'a\r\nSet-Cookie: x=1' }, null);
    expect(evil).not.toMatch(/[\r\n]/);
    expect(new URL(evil).origin).toBe('https://shop.example');
    expect(scanUrl('https://t.example/', 'ABC')).toBe('https://t.example/q/ABC');
  });
});
