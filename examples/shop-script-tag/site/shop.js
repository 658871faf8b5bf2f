// Demo shop logic. Everything the shop shows is set with textContent (never innerHTML), and
// every Omnitrail call goes through `ot()`, so the shop keeps working if the tracker is blocked.
(function () {
  'use strict';
  var CATALOG = window.SHOP_CATALOG || [];
  var CURRENCY = 'EUR';
  var page = document.body.getAttribute('data-page');

  function ot(method) {
    var args = Array.prototype.slice.call(arguments, 1);
    try {
      var o = window.omnitrail;
      if (typeof o === 'function') return o.apply(null, [method].concat(args));
    } catch (e) {
      /* never let analytics break the shop */
    }
  }
  function $(sel) {
    return document.querySelector(sel);
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function money(v) {
    return new Intl.NumberFormat('en-GB', { style: 'currency', currency: CURRENCY }).format(v);
  }
  function product(id) {
    for (var i = 0; i < CATALOG.length; i++) if (CATALOG[i].id === id) return CATALOG[i];
    return null;
  }
  function segmentProduct(p, qty) {
    return { product_id: p.id, sku: p.sku, name: p.name, category: p.category, price: p.price, quantity: qty || 1, currency: CURRENCY };
  }

  // ---- cart (localStorage) ----
  function cart() {
    try {
      return JSON.parse(localStorage.getItem('demo_cart') || '[]');
    } catch (e) {
      return [];
    }
  }
  function saveCart(c) {
    localStorage.setItem('demo_cart', JSON.stringify(c));
    updateCartCount();
  }
  function updateCartCount() {
    var n = cart().reduce(function (a, l) { return a + l.qty; }, 0);
    var b = $('#cart-count');
    if (b) b.textContent = String(n);
  }
  function cartTotal(c) {
    return c.reduce(function (a, l) { var p = product(l.id); return a + (p ? p.price * l.qty : 0); }, 0);
  }

  // ---- consent banner: the tracker starts in "pending" and holds events in memory ----
  function consentBanner() {
    var saved = localStorage.getItem('demo_consent');
    // An earlier decision was already queued by consent.js before the tracker started.
    if (saved === 'granted' || saved === 'denied') return;
    var box = $('#consent');
    if (!box) return;
    box.hidden = false;
    box.querySelector('[data-consent=granted]').addEventListener('click', function () { decide('granted'); });
    box.querySelector('[data-consent=denied]').addEventListener('click', function () { decide('denied'); });
    function decide(state) {
      localStorage.setItem('demo_consent', state);
      ot('consent', state);
      box.hidden = true;
      handoffFooter();
    }
  }

  // ---- handoff code in the footer: reused until it expires ----
  function handoffFooter() {
    var slot = $('#handoff-code');
    if (!slot) return;
    if (localStorage.getItem('demo_consent') !== 'granted') {
      slot.textContent = '(accept analytics to get a code)';
      return;
    }
    try {
      var cached = JSON.parse(localStorage.getItem('demo_handoff') || 'null');
      if (cached && Date.parse(cached.expiresAt) > Date.now() + 3600e3) {
        slot.textContent = cached.display;
        return;
      }
    } catch (e) {
      /* ignore a damaged cache */
    }
    var o = window.omnitrail;
    if (!o || typeof o.handoffCode !== 'function') {
      slot.textContent = '(unavailable)';
      return;
    }
    o.handoffCode().then(
      function (r) {
        localStorage.setItem('demo_handoff', JSON.stringify(r));
        slot.textContent = r.display;
      },
      function () {
        slot.textContent = '(unavailable)';
      },
    );
  }

  // ---- pages ----
  function renderIndex() {
    var grid = $('#products');
    CATALOG.forEach(function (p) {
      var card = el('li', { class: 'product' });
      var a = el('a', { href: 'product.html?id=' + encodeURIComponent(p.id) });
      a.appendChild(el('span', { class: 'thumb', 'aria-hidden': 'true' }, p.category.charAt(0)));
      a.appendChild(el('span', { class: 'name' }, p.name));
      card.appendChild(a);
      card.appendChild(el('span', { class: 'price' }, money(p.price)));
      grid.appendChild(card);
    });
  }

  function renderProduct() {
    var id = new URLSearchParams(location.search).get('id');
    var p = product(id);
    if (!p) {
      $('#product').textContent = 'This product does not exist.';
      return;
    }
    document.title = p.name + ' · Trail & Co (demo)';
    $('#p-name').textContent = p.name;
    $('#p-price').textContent = money(p.price);
    $('#p-blurb').textContent = p.blurb;
    ot('track', 'Product Viewed', segmentProduct(p));
    $('#add').addEventListener('click', function () {
      var c = cart();
      var line = c.filter(function (l) { return l.id === p.id; })[0];
      if (line) line.qty++;
      else c.push({ id: p.id, qty: 1 });
      saveCart(c);
      ot('track', 'Product Added', segmentProduct(p));
      $('#added').textContent = 'Added to your cart.';
    });
  }

  function renderCart() {
    var c = cart();
    var list = $('#lines');
    if (!c.length) {
      $('#cart-empty').hidden = false;
      $('#to-checkout').hidden = true;
      return;
    }
    c.forEach(function (l) {
      var p = product(l.id);
      if (!p) return;
      var tr = el('tr');
      tr.appendChild(el('td', null, p.name));
      tr.appendChild(el('td', { class: 'num' }, String(l.qty)));
      tr.appendChild(el('td', { class: 'num' }, money(p.price * l.qty)));
      list.appendChild(tr);
    });
    $('#cart-total').textContent = money(cartTotal(c));
    ot('track', 'Cart Viewed', { products: c.map(function (l) { return segmentProduct(product(l.id), l.qty); }) });
  }

  function renderCheckout() {
    var c = cart();
    if (!c.length) {
      location.href = 'cart.html';
      return;
    }
    $('#checkout-total').textContent = money(cartTotal(c));
    ot('track', 'Checkout Started', { value: cartTotal(c), revenue: cartTotal(c), currency: CURRENCY, products: c.map(function (l) { return segmentProduct(product(l.id), l.qty); }) });
    $('#checkout-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var email = $('#email').value.trim();
      var orderId = 'WEB-' + Date.now().toString(36).toUpperCase() + '-' + Math.floor(Math.random() * 1e4);
      // The confirmation page sends the order; keep it for one hop.
      sessionStorage.setItem('demo_order', JSON.stringify({ order_id: orderId, lines: c, email: email }));
      // Hashed by the collector before storage; links this browser to the customer.
      if (email) ot('identify', null, { email: email });
      saveCart([]);
      // Let the tracker hand the identify call over before the page unloads (at most 1 s).
      var go = function () { location.href = 'confirmation.html'; };
      var o = window.omnitrail;
      if (o && typeof o.flush === 'function') Promise.race([o.flush(), new Promise(function (r) { setTimeout(r, 1000); })]).then(go, go);
      else go();
    });
  }

  function renderConfirmation() {
    var raw = sessionStorage.getItem('demo_order');
    if (!raw) {
      $('#order-id').textContent = '(no order in progress)';
      return;
    }
    var o = JSON.parse(raw);
    var products = o.lines.map(function (l) { return segmentProduct(product(l.id), l.qty); });
    var total = cartTotal(o.lines);
    $('#order-id').textContent = o.order_id;
    $('#order-total').textContent = money(total);
    // Segment "Order Completed"; the order_id makes a reload harmless (one order per id).
    ot('order', { order_id: o.order_id, revenue: total, total: total, currency: CURRENCY, products: products });
    sessionStorage.removeItem('demo_order');
  }

  updateCartCount();
  consentBanner();
  handoffFooter();
  if (page === 'index') renderIndex();
  else if (page === 'product') renderProduct();
  else if (page === 'cart') renderCart();
  else if (page === 'checkout') renderCheckout();
  else if (page === 'confirmation') renderConfirmation();
})();
