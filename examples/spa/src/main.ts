// An SPA tracked with the tree-shakable SDK: one tracker instance, page views on every
// client-side navigation, the IndexedDB queue (events survive offline and reloads) and web
// vitals — each an explicit import, so the bundle carries only what is used.
import { createTracker, handoffCode, keepalive, scanToken, sessions, trackPageviews } from '@omnitrail/sdk';
import { idbQueue } from '@omnitrail/sdk/queue';
import { trackVitals } from '@omnitrail/sdk/vitals';
import { routes, render } from './router';

const tracker = createTracker({
  writeKey: import.meta.env.VITE_OMNITRAIL_WRITE_KEY ?? 'YOUR_WRITE_KEY',
  endpoint: import.meta.env.VITE_OMNITRAIL_ENDPOINT ?? 'http://localhost:8787',
  queue: idbQueue,
  // Opt-in: sessions + campaign/click IDs (attribution), page-hide delivery, QR scan tokens.
  plugins: [sessions(), keepalive(), scanToken()],
});
trackPageviews(tracker); // the first page view now, then one per pushState/popstate
trackVitals(tracker);

const app = document.getElementById('app')!;

function navigate(path: string) {
  history.pushState(null, '', path); // trackPageviews sees this and sends a page view
  show();
}

function show() {
  render(app, location.pathname, {
    addToCart: (id, price) => tracker.track('Product Added', { product_id: id, price, currency: 'EUR' }),
    placeOrder: (total) => {
      const order_id = `SPA-${Date.now().toString(36)}`;
      tracker.order({ order_id, revenue: total, currency: 'EUR' });
      navigate(`/thanks/${order_id}`);
    },
  });
}

// Client-side routing: intercept same-origin links marked data-link.
document.addEventListener('click', (e) => {
  const a = (e.target as Element).closest('a[data-link]') as HTMLAnchorElement | null;
  if (!a || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(a.pathname);
});
addEventListener('popstate', show);
show();

// The handoff code joins this browser to a phone or store purchase.
handoffCode(tracker).then(
  (h) => (document.getElementById('handoff')!.textContent = `Quote ${h.display} in store or on the phone.`),
  () => {},
);

export { routes };
