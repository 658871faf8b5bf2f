/** A tiny router: path patterns to render functions. DOM built with textContent only. */
export interface Actions {
  addToCart(id: string, price: number): void;
  placeOrder(total: number): void;
}

const PRODUCTS: Record<string, { name: string; price: number }> = {
  'P-TRAIL-1': { name: 'Trail running shoe "Ridge"', price: 129 },
  'P-PACK-3': { name: 'Day pack 22 L', price: 89.9 },
};

function h(tag: string, text?: string, attrs: Record<string, string> = {}): HTMLElement {
  const e = document.createElement(tag);
  if (text) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

export const routes: [RegExp, (m: RegExpMatchArray, a: Actions) => HTMLElement[]][] = [
  [/^\/$/, () => [h('h1', 'Omnitrail SPA example'), h('p', 'Navigate: every route change is a page view; vitals are reported once per page.')]],
  [
    /^\/products$/,
    () => [
      h('h1', 'Products'),
      ...Object.entries(PRODUCTS).map(([id, p]) => {
        const li = h('p');
        li.append(h('a', p.name, { href: `/products/${id}`, 'data-link': '' }));
        return li;
      }),
    ],
  ],
  [
    /^\/products\/([\w-]+)$/,
    (m, a) => {
      const p = PRODUCTS[m[1]];
      if (!p) return [h('h1', 'Not found')];
      const btn = h('button', 'Add to cart', { type: 'button' });
      btn.addEventListener('click', () => a.addToCart(m[1], p.price));
      return [h('h1', p.name), h('p', `€${p.price}`), btn];
    },
  ],
  [
    /^\/checkout$/,
    (_m, a) => {
      const btn = h('button', 'Place order (€129)', { type: 'button' });
      btn.addEventListener('click', () => a.placeOrder(129));
      return [h('h1', 'Checkout'), btn];
    },
  ],
  [/^\/thanks\/([\w-]+)$/, (m) => [h('h1', 'Thank you'), h('p', `Order ${m[1]}`)]],
];

/** Render the route matching `path` into `root`. */
export function render(root: HTMLElement, path: string, actions: Actions): void {
  for (const [re, view] of routes) {
    const m = path.match(re);
    if (m) {
      root.replaceChildren(...view(m, actions));
      return;
    }
  }
  root.replaceChildren(h('h1', 'Not found'));
}
