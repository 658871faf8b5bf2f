// CI check for this example: a real collector (`omnitrail serve` on a throw-away database), this
// receiver registered with `omnitrail webhook add`, then an order and a store visit recorded over
// the API: the receiver must print both, verified, once each, and refuse a forged message.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReceiver } from './receiver.mjs';

const here = new URL('.', import.meta.url).pathname;
const cli = join(here, 'node_modules', '@omnitrail', 'collector', 'dist', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'ot-crm-'));
const db = join(dir, 'crm.db');
const omnitrail = (...args) => JSON.parse(execFileSync(process.execPath, [cli, ...args, '--db', db, '--json'], { encoding: 'utf8' }));

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

let serve;
let receiver;
try {
  const site = omnitrail('site', 'create', '--name', 'CRM example', '--origin', 'https://shop.example');
  const port = await freePort();
  const { secret } = omnitrail('webhook', 'add', '--url', `http://127.0.0.1:${port}/hooks/omnitrail`);
  const lines = [];
  receiver = await startReceiver({ secret, port, onMessage: (m) => lines.push(m) });

  serve = spawn(process.execPath, [cli, 'serve', '--port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    serve.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    serve.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    setTimeout(() => reject(new Error(`serve did not start within 30 s: ${out}`)), 30_000).unref();
  });
  const post = (path, body) =>
    fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${site.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post('/v1/orders', { order_id: 'K-1001', channel: 'store', location: 'berlin-mitte', userId: 'C-17', revenue: 89.9, currency: 'EUR', products: [{ sku: 'SHOE-42', name: 'Trail shoe', price: 89.9, quantity: 1 }] });
  await post('/v1/touchpoints', { type: 'phone_call', userId: 'C-17', note: 'asked about the size' });

  for (let i = 0; i < 300 && lines.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  const { describe } = await import('./receiver.mjs');
  const printed = lines.map(describe);
  console.log(printed.join('\n'));
  if (printed[0] !== 'customer C-17 bought 1× Trail shoe via store (berlin-mitte) for 89.90 EUR [order K-1001]') throw new Error(`unexpected order line: ${printed[0]}`);
  if (printed[1] !== 'customer C-17: phone call ("asked about the size")') throw new Error(`unexpected touchpoint line: ${printed[1]}`);

  const forged = await fetch(receiver.url, { method: 'POST', headers: { 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' }, body: '{}' });
  if (forged.status !== 401) throw new Error(`a forged message was accepted (${forged.status})`);
  if (lines.length !== 2) throw new Error(`expected 2 messages, got ${lines.length}`);
  console.log('crm-webhook example OK');
} finally {
  serve?.kill('SIGTERM');
  if (serve) await new Promise((r) => serve.once('exit', r));
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
}
