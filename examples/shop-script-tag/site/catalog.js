// The demo shop's products. Plain data; shop.js renders it with textContent only.
window.SHOP_CATALOG = [
  { id: 'P-TRAIL-1', sku: 'TR-RUN-42', name: 'Trail running shoe "Ridge"', category: 'Shoes', price: 129.0, blurb: 'Grippy lugs, rock plate, 290 g. Try it on in store or order online.' },
  { id: 'P-JACKET-2', sku: 'JK-RAIN-M', name: 'Rain jacket "Drizzle"', category: 'Jackets', price: 189.0, blurb: 'Three-layer membrane, pit zips, packs into its own pocket.' },
  { id: 'P-PACK-3', sku: 'BP-22L', name: 'Day pack 22 L', category: 'Packs', price: 89.9, blurb: 'Ventilated back panel, hydration sleeve, rain cover included.' },
  { id: 'P-POLES-4', sku: 'PO-CARB', name: 'Carbon trekking poles', category: 'Gear', price: 119.0, blurb: 'Three sections, 235 g each, flick locks that work with gloves.' },
  { id: 'P-SOCKS-5', sku: 'SO-MER-3', name: 'Merino hiking socks (3 pairs)', category: 'Apparel', price: 39.9, blurb: 'Cushioned sole, no seams at the toes, machine washable.' },
  { id: 'P-LAMP-6', sku: 'HL-400', name: 'Head lamp 400 lm', category: 'Gear', price: 49.0, blurb: 'USB-C rechargeable, red light mode, IPX4.' },
];
