import { html, raw } from 'hono/html';
import type { QrCampaign, QrCode } from '../store/qr';
import { renderSvg, type RenderOptions } from './render';
import { scanUrl } from './url';

/** Header of the mail-merge CSV. */
export const CSV_HEADER = ['code', 'url', 'recipient_ref', 'kind', 'label', 'campaign_id', 'campaign_name'] as const;

function field(v: string | null | undefined, userText = false): string {
  let s = v ?? '';
  // Spreadsheet formula injection (OWASP "CSV injection"): only text that came from a user
  // (refs, labels, names) can start with these; our codes and URLs never do.
  if (userText && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Mail-merge CSV rows (RFC 4180, CRLF line ends, header first when `header` is true):
 * code, scan URL, recipient ref, kind, label, campaign. Stream page by page for big mailings.
 *
 * @example
 * const csv = codesCsv(campaign, codes, true);
 */
export function codesCsv(campaign: QrCampaign, codes: QrCode[], header: boolean): string {
  let out = header ? `${CSV_HEADER.join(',')}\r\n` : '';
  for (const c of codes) {
    out +=
      [
        field(c.code),
        field(scanUrl(campaign.baseUrl, c.code)),
        field(c.recipientRef, true),
        field(c.kind),
        field(c.label, true),
        field(campaign.id),
        field(campaign.name, true),
      ].join(',') + '\r\n';
  }
  return out;
}

/**
 * A printable HTML sheet of a campaign's codes: one card per code with the QR image (inline
 * SVG, error correction M by default, quiet zone kept), the code in text, the URL and the
 * recipient ref; cards never split across printed pages.
 *
 * @example
 * const page = await codesSheet(campaign, codes, { size: 180 });
 */
export async function codesSheet(campaign: QrCampaign, codes: QrCode[], opts: RenderOptions & { title?: string } = {}): Promise<string> {
  const size = opts.size ?? 180;
  const cards = [];
  for (const c of codes) {
    const url = scanUrl(campaign.baseUrl, c.code);
    const svg = await renderSvg(url, { ecc: opts.ecc, margin: opts.margin, size });
    cards.push(html`<figure class="card${c.disabled ? ' off' : ''}">
  ${raw(svg)}
  <figcaption><b>${c.code}</b>${c.recipientRef ? html`<span>${c.recipientRef}</span>` : ''}${c.label ? html`<span>${c.label}</span>` : ''}<small>${url}</small>${c.disabled ? html`<em>disabled</em>` : ''}</figcaption>
</figure>`);
  }
  const title = opts.title ?? `${campaign.name} — QR codes`;
  const doc = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<link rel="icon" href="data:,">
<style>
  @page { size: A4; margin: 12mm; }
  body { font: 12px/1.3 system-ui, sans-serif; margin: 0; color: #000; }
  header { margin: 0 0 8mm; } h1 { font-size: 18px; margin: 0 0 2mm; } header p { margin: 0; color: #444; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(${size + 20}px, 1fr)); gap: 6mm; }
  .card { margin: 0; padding: 3mm; border: 1px dashed #bbb; text-align: center; break-inside: avoid; page-break-inside: avoid; }
  .card svg { width: ${size}px; height: ${size}px; display: block; margin: 0 auto; }
  figcaption b { display: block; font: 600 14px/1.4 ui-monospace, monospace; letter-spacing: .08em; }
  figcaption span, figcaption small, figcaption em { display: block; word-break: break-all; }
  figcaption small { color: #555; font-size: 9px; } .off { opacity: .4; }
  @media screen { body { padding: 16px; } }
  @media print { header p.hint { display: none; } }
</style></head>
<body><header><h1>${campaign.name}</h1><p>${codes.length} code(s) · target ${campaign.targetUrl}</p><p class="hint">Print with "background graphics" off; scale 100 %.</p></header>
<main>${cards}</main></body></html>`;
  return String(await doc);
}
