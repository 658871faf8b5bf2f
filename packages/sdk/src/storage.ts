/** Cookie, localStorage and `history` helpers. Every one swallows errors: storage can be blocked. */

/** Name of the anonymous ID in the cookie, localStorage and IndexedDB. */
export const ID_KEY = 'ot_id';

/** Chrome caps cookie lifetime at 400 days (RFC 6265bis); asking for more is pointless. */
const MAX_AGE = 34560000;

/**
 * Reads a cookie by name: the raw value (IDs are `[\w-]`, validated by the caller, and decoding
 * would throw on a malformed `%`). `document.cookie` is `a=1; b=2`, so after a leading `; ` every
 * cookie starts with `; name=`; the first wins, as with a `(?:^|; )name=` match.
 */
export const readCookie = (name: string): string | undefined => {
  try {
    return ('; ' + document.cookie).split('; ' + name + '=')[1]?.split(';')[0];
  } catch {
    // A sandboxed iframe without allow-same-origin throws SecurityError on `document.cookie`.
  }
};

/** Writes (or with an empty value, deletes: Max-Age ≤ 0 expires it, RFC 6265 §5.2.2) a first-party cookie valid for the whole site. */
export const writeCookie = (name: string, value: string, domain: string): void => {
  try {
    document.cookie =
      name + '=' + value + ';path=/;samesite=lax;max-age=' + (value ? MAX_AGE : -1) +
      (domain ? ';domain=' + domain : '') + (location.protocol == 'https:' ? ';secure' : '');
  } catch {
    // As above.
  }
};

/**
 * The registrable domain ("eTLD+1") found the way analytics tags do it without a public-suffix
 * list: try `co.uk`, then `shop.co.uk`, … and keep the first the browser accepts a cookie on
 * (browsers refuse cookies on public suffixes).
 */
export const rootDomain = (): string => {
  const parts = location.hostname.split('.');
  for (let d = parts.pop(); parts.length; ) {
    d = parts.pop() + '.' + d;
    writeCookie('ot_t', '1', d);
    if (readCookie('ot_t')) {
      writeCookie('ot_t', '', d);
      return d;
    }
  }
  return '';
};

/** localStorage get (one argument), set (string) or remove (null); undefined when blocked. */
export const ls = (key: string, value?: string | null): string | null | undefined => {
  try {
    const s = localStorage;
    // removeItem and setItem return undefined.
    return value === undefined ? s.getItem(key) : ((value === null ? s.removeItem(key) : s.setItem(key, value)) as undefined);
  } catch {
    // Blocked storage (Safari private mode, sandboxed iframes): memory state still works.
  }
};
