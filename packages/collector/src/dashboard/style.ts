/**
 * The dashboard's one stylesheet, served as `/dashboard/assets/style.css` so the
 * Content-Security-Policy can forbid inline styles and all scripts.
 * Mobile first: one column at 375 px, a side navigation from 900 px.
 * Colours meet WCAG AA contrast (text ≥ 4.5:1 on its background).
 */
export const STYLE_CSS = `
:root{--fg:#1b1f24;--muted:#4a5560;--bg:#f6f7f9;--card:#fff;--line:#d5dae0;--accent:#0a58ca;--accent-fg:#fff;--bad:#b42318;--ok:#0f7b3f;--warn:#8a5a00;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
*{box-sizing:border-box}
body{margin:0;line-height:1.45;font-size:15px}
a{color:var(--accent)}
dd{margin:0 0 6px 16px;overflow-wrap:anywhere}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:8px;z-index:9}
.skip:focus{left:8px}
header.top{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;justify-content:space-between;padding:10px 16px;background:#14213d;color:#fff}
header.top a{color:#fff}
.brand{font-weight:700;font-size:18px;text-decoration:none}
.top form{display:flex;gap:6px;align-items:center;flex-wrap:wrap}
.top label{font-size:13px}
.top select{max-width:180px}
.shell{display:block}
nav.side{background:#fff;border-bottom:1px solid var(--line);overflow-x:auto}
nav.side ul{list-style:none;margin:0;padding:4px 8px;display:flex;gap:2px;white-space:nowrap}
nav.side a{display:block;padding:10px 10px;text-decoration:none;color:var(--fg);border-radius:6px;font-size:14px}
nav.side a[aria-current=page]{background:#e7efff;color:#0a3d91;font-weight:600}
nav.side .group{display:none}
main{padding:16px;max-width:1200px;min-width:0}
h1{font-size:22px;margin:4px 0 12px}
h2{font-size:17px;margin:0 0 8px}
/* Names come from users (sites, campaigns, recipients): a long one without spaces wraps instead of widening the page. */
h1,h2,h3,p,li,legend,.top span,th a{overflow-wrap:anywhere}
.demo-banner{background:#fff4ce;color:#5c4300;border-bottom:1px solid #e8d48b;padding:8px 16px;font-size:14px}
.grid{display:grid;gap:12px;grid-template-columns:1fr}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px;min-width:0}
.kpis{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px;margin-bottom:12px}
.kpi .v{font-size:clamp(17px,5vw,22px);font-weight:700;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.kpi .l{color:var(--muted);font-size:13px}
.muted{color:var(--muted)}
.notice{border-left:4px solid var(--warn);background:#fffaf0;padding:10px 12px;border-radius:6px}
.error{border-left:4px solid var(--bad);background:#fff1f0;padding:10px 12px;border-radius:6px;color:#7a1410}
.success{border-left:4px solid var(--ok);background:#effaf3;padding:10px 12px;border-radius:6px;color:#0b4d28}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.vital{text-align:right;font-variant-numeric:tabular-nums;min-width:7em}
figure.chart{margin:0}
figure.chart svg{width:100%;height:auto;display:block}
figure.chart.bars svg{max-width:520px}
.field.wide{flex:1 1 280px}
.field.wide input{width:100%}
svg text{font-size:12px;fill:#3d4650}
svg .bar-label{font-size:14px;fill:#1b1f24}
svg .bar-value{font-size:13px;fill:#1b1f24;font-weight:600}
svg .grid{stroke:#e3e7ec}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:6px 0;font-size:13px}
figure.chart .legend svg.swatch{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-1px}
.chart-data summary{cursor:pointer;font-size:13px;color:var(--accent);padding:4px 0}
form.stack{display:grid;gap:12px;max-width:560px}
form.inline{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin-bottom:12px}
label{font-weight:600;font-size:14px;display:block}
.field{display:grid;gap:4px}
.hint{font-weight:400;color:var(--muted);font-size:13px}
p.hint{margin:0}
input,select,textarea{font:inherit;padding:8px 10px;border:1px solid #8a949e;border-radius:6px;background:#fff;color:var(--fg);width:100%;min-height:40px}
form.inline input,form.inline select{width:auto;max-width:100%}
input[type=checkbox]{width:20px;height:20px;min-height:0;padding:0;margin:0 8px 0 0;vertical-align:-4px;accent-color:var(--accent)}
form.inline .field{max-width:100%;min-width:0}
button,.button{font:inherit;display:inline-block;padding:9px 16px;border-radius:6px;border:1px solid var(--accent);background:var(--accent);color:var(--accent-fg);cursor:pointer;text-decoration:none;min-height:40px}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
fieldset{border:1px solid var(--line);border-radius:8px;padding:10px 12px}
legend{font-weight:600;padding:0 4px}
.timeline{list-style:none;padding:0;margin:0;border-left:3px solid var(--line)}
.timeline li{padding:6px 0 10px 14px;position:relative}
.timeline li::before{content:"";position:absolute;left:-8px;top:11px;width:13px;height:13px;border-radius:50%;background:var(--accent);border:2px solid #fff}
.timeline .ch{display:inline-block;font-size:12px;font-weight:600;padding:1px 7px;border-radius:10px;background:#e7efff;color:#0a3d91;margin-right:6px}
.tag{display:inline-block;font-size:12px;padding:1px 7px;border-radius:10px;background:#eef0f2;color:#2f3943}
.good{color:var(--ok);font-weight:600}.ni{color:var(--warn);font-weight:600}.poor{color:var(--bad);font-weight:600}
.qr-preview{width:160px;height:160px;border:1px solid var(--line);background:#fff}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.login{max-width:420px;margin:40px auto;padding:0 16px}
progress{width:100%;height:18px}
.progress-step:not(:last-of-type){display:none}
pre.snippet{background:#0f1a2e;color:#e8eef8;padding:12px;border-radius:8px;overflow-x:auto;font-size:13px;white-space:pre}
.path{font-size:14px}
.break{overflow-wrap:anywhere}
.hook{border-top:1px solid var(--line);padding:10px 0}.hook h3{font-size:15px;margin:0 0 4px}.hook p{margin:0 0 6px}
.path .arrow{color:var(--muted);margin:0 4px}
@media (max-width:600px){figure.chart:not(.bars) svg text{font-size:22px}figure.chart:not(.bars) svg text.odd{display:none}}
@media (min-width:700px){.kpis{grid-template-columns:repeat(4,minmax(0,1fr))}.grid.two{grid-template-columns:1fr 1fr}}
@media (min-width:900px){.shell{display:grid;grid-template-columns:210px 1fr}nav.side{border-bottom:0;border-right:1px solid var(--line);min-height:calc(100vh - 52px)}nav.side ul{flex-direction:column;padding:12px 8px}nav.side .group{display:block;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em;padding:12px 10px 4px}main{padding:20px 24px}}
@media print{header.top,nav.side,.demo-banner,.noprint{display:none}.shell{display:block}body{background:#fff}}
`;
