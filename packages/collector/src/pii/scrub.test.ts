import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contactKeyKind, hasContactParam, keyMayBePii, mayHoldPii, pseudonymousId, redactAddresses, scrubString, scrubValue, stringMayBePii } from './scrub';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('contactKeyKind', () => {
  it.each([
    ...['email', 'Email', 'EMAIL', 'e_mail', 'e-mail', 'emailAddress', 'email_address', 'billing_email', 'customerEmail', 'mail', 'Mail_Address', 'work.email', 'emails'].map((k) => [k, 'email'] as const),
    ...['phone', 'Phone', 'phone_number', 'phoneNumber', 'mobile', 'mobile_phone', 'mobileNumber', 'tel', 'Telephone', 'tel_no', 'fax', 'msisdn', 'cell', 'whatsapp', 'home_tel', 'smartphone'].map((k) => [k, 'phone'] as const),
    ...['email_sha256', 'phone_sha256', 'emailHash', 'name', 'title', 'hotel', 'intel', 'mailing_list', 'excellent', 'price', 'detail'].map((k) => [k, null] as const),
  ])('%s → %s', (key, want) => {
    expect(contactKeyKind(key)).toBe(want);
    // the cheap hint is a superset of the deep rule
    if (want) expect(keyMayBePii(key)).toBe(true);
  });
});

describe('scrubString', () => {
  it.each([
    ['Jane.Doe@Example.com', `sha256:${sha('jane.doe@example.com')}`],
    [' jane.doe@example.com ', `sha256:${sha('jane.doe@example.com')}`],
    ['https://shop.example/confirm?email=leak5.url%40example.org&phone=%2B4915155556666&order=7', 'https://shop.example/confirm?email=redacted&phone=redacted&order=7'],
    ['https://mail.example/?to=leak6.ref@example.org', 'https://mail.example/?to=redacted'],
    ['?Mobile_Number=0151123&utm_source=nl', '?Mobile_Number=redacted&utm_source=nl'],
    ['https://s.example/p#e-mail=a@b.co', 'https://s.example/p#e-mail=redacted'],
    ['https://s.example/account/jane%40example.org/orders', 'https://s.example/account/redacted/orders'],
    ['call back leak19.note@example.org before 5', 'call back redacted before 5'],
    ['https://shop.example/p/1?utm_medium=email&ref=a', 'https://shop.example/p/1?utm_medium=email&ref=a'],
    ['user@localhost', 'user@localhost'],
    ['plain text', 'plain text'],
  ])('%j → %j', async (input, want) => {
    expect(await scrubString(input)).toBe(want);
  });
});

describe('scrubValue', () => {
  it('hashes contact-named keys at any depth and in any case, hashes e-mail values, keeps everything else', async () => {
    const input = {
      Email: 'Leak2.Cap@Example.org',
      email_address: 'leak3.addr@example.org',
      phone_number: '+49 151 11112222',
      mobile: '+4915133334444',
      tel: 301234567, // a number holds no prefix: read in the site's country
      address: { email: 'leak4.nested@example.org', city: 'Berlin' },
      customer: { email: 'leak7.prop@example.org', contacts: [{ work_email: 'w@example.org' }, 'x@example.org'] },
      billing_email: 'leak8.bill@example.org',
      billing_email_sha256: sha('stale@example.org'),
      coupon: 'leak17.coupon@example.org',
      email_opt_in: true,
      mobile_app: 'ios',
      phone_model: 'iPhone 15',
      broken_email: 'jane@localhost',
      order_id: 'W-1',
      revenue: 10,
    };
    const frozen = structuredClone(input);
    const out = await scrubValue(input, 'DE');
    expect(out).toEqual({
      Email_sha256: sha('leak2.cap@example.org'),
      email_address_sha256: sha('leak3.addr@example.org'),
      phone_number_sha256: sha('+4915111112222'),
      mobile_sha256: sha('+4915133334444'),
      tel_sha256: sha('+49301234567'),
      address: { email_sha256: sha('leak4.nested@example.org'), city: 'Berlin' },
      customer: { email_sha256: sha('leak7.prop@example.org'), contacts: [{ work_email_sha256: sha('w@example.org') }, `sha256:${sha('x@example.org')}`] },
      billing_email_sha256: sha('leak8.bill@example.org'),
      coupon: `sha256:${sha('leak17.coupon@example.org')}`,
      email_opt_in: true,
      mobile_app: 'ios',
      phone_model: 'iPhone 15',
      // not an address that normalises: removed, never kept raw
      order_id: 'W-1',
      revenue: 10,
    });
    expect(input).toEqual(frozen);
  });

  it('returns the very same object when there is nothing to change', async () => {
    const clean = { page: { url: 'https://s.example/?a=1', title: 'T' }, list: [1, 'two'], n: null };
    expect(await scrubValue(clean)).toBe(clean);
  });
});

describe('pseudonymousId', () => {
  it('hashes e-mail-address IDs like email_sha256, keeps every other ID', async () => {
    expect(await pseudonymousId('Leak1.UserId@Example.org')).toBe(`sha256:${sha('leak1.userid@example.org')}`);
    expect(await pseudonymousId('C-1001')).toBe('C-1001');
    expect(await pseudonymousId('a@b')).toBe('a@b');
    expect(await pseudonymousId(null)).toBe(null);
  });
});

describe('pre-checks', () => {
  it('say "no" for an ordinary event and "maybe" for anything the deep rules would change', () => {
    const ordinary = {
      page: { url: 'https://shop.example/p/1?utm_source=google&gclid=x', path: '/p/1', referrer: 'https://www.google.com/', title: 'Product' },
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 Mobile Safari',
      omnitrail: { consent: 'granted', sessionId: 's-1' },
    };
    expect(mayHoldPii(ordinary)).toBe(false);
    expect(mayHoldPii({ a: [{ b: 'x@y.co' }] })).toBe(true);
    expect(mayHoldPii({ traits: { Phone: '1' } })).toBe(true);
    expect(stringMayBePii('/thanks?phone=%2B49')).toBe(true);
    expect(stringMayBePii('/thanks?a=jane%40x.org')).toBe(true);
    expect(stringMayBePii('/thanks?order=1')).toBe(false);
  });
});

describe('addresses in free text (redactAddresses)', () => {
  // The single regex this scan replaced: the reference for what counts as an address. It backtracks
  // quadratically, so it only ever sees the short strings below.
  const REFERENCE = /[^\s@"'<>()[\],;:/?#&=%]+(?:@|%40)[^\s@"'<>()[\],;:/?#&=%]+\.[a-z]{2,}/gi;

  it('redacts exactly what the reference regex matched, on 20 000 random strings', () => {
    // Deterministic PRNG (mulberry32): the same strings on every run.
    let seed = 0x5eed;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces = ['a', 'B', 'z', '1', '.', '.', '@', '@', '%40', '%', '4', '0', '-', ' ', '/', '?', '=', '&', 'co', 'org', '\u00a0', 'ü'];
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      const n = 1 + Math.floor(rnd() * 14);
      for (let j = 0; j < n; j++) s += pieces[Math.floor(rnd() * pieces.length)];
      expect(redactAddresses(s), JSON.stringify(s)).toBe(s.replace(REFERENCE, 'redacted'));
    }
  });

  it.each([
    ['call back leak@example.org before 5', 'call back redacted before 5'],
    ['/account/jane%40example.org/orders', '/account/redacted/orders'],
    ['a@b.cc1@d.com', 'redactedredacted'],
    ['x.com.d@y', 'x.com.d@y'],
  ])('%j → %j', (input, want) => {
    expect(redactAddresses(input)).toBe(want);
  });

  it('takes linear time on the inputs that made the old regex quadratic (200 000 characters each)', async () => {
    // Each of these took minutes with the old regex; a test timeout is what catches a regression.
    const n = 200_000;
    // Compared as booleans: a failure message with 200 000 characters helps nobody.
    const same = (got: string, want: string) => expect(got === want, `${got.slice(0, 40)}… (${got.length} characters)`).toBe(true);
    same(redactAddresses(`${'a'.repeat(n)}@`), `${'a'.repeat(n)}@`);
    same(redactAddresses(`a@${'b'.repeat(n)}`), `a@${'b'.repeat(n)}`);
    same(redactAddresses(`a@${'b.'.repeat(n / 2)}`), `a@${'b.'.repeat(n / 2)}`);
    same(redactAddresses(`a@${'b.'.repeat(n / 2)}co`), 'redacted');
    same(redactAddresses('a%40'.repeat(n / 4)), 'a%40'.repeat(n / 4));
    same(await scrubString(`note ${'x'.repeat(n)}@`), `note ${'x'.repeat(n)}@`);
  });
});

describe('contact query parameters (hasContactParam)', () => {
  // The scan this one replaced: from every `=` back to the delimiter before it. Quadratic, so it
  // only sees the short strings below.
  function reference(s: string): boolean {
    for (let eq = s.indexOf('='); eq !== -1; eq = s.indexOf('=', eq + 1)) {
      let start = eq - 1;
      while (start >= 0 && !'?&#;'.includes(s[start])) start--;
      if (start >= 0 && keyMayBePii(s.slice(start + 1, eq))) return true;
    }
    return false;
  }

  it('agrees with the per-"=" scan on 20 000 random strings', () => {
    let seed = 0xc0ffee;
    const rnd = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces = ['=', '=', '?', '&', '#', ';', 'a', 'x', 'mail', 'Phone', 'te', 'l', 'e-', 'page', '1'];
    let hits = 0;
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      const n = 1 + Math.floor(rnd() * 10);
      for (let j = 0; j < n; j++) s += pieces[Math.floor(rnd() * pieces.length)];
      const want = reference(s);
      if (want) hits++;
      expect(hasContactParam(s), JSON.stringify(s)).toBe(want);
    }
    expect(hits).toBeGreaterThan(1000); // both answers were exercised
  });

  it('takes linear time on the inputs that made the old scan quadratic (200 000 characters each)', () => {
    const n = 200_000;
    expect(hasContactParam('='.repeat(n))).toBe(false);
    expect(hasContactParam('a='.repeat(n / 2))).toBe(false);
    expect(hasContactParam(`?${'x='.repeat(n / 2)}`)).toBe(false);
    expect(hasContactParam(`?${'x='.repeat(n / 2)}phone=1`)).toBe(true);
    expect(stringMayBePii(`/p?${'='.repeat(n)}`)).toBe(false);
  });
});
