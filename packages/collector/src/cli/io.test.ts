import { afterEach, describe, expect, it, vi } from 'vitest';
import { stdio, terminalSafe } from './io';

const ESC = '\u001b';
const BEL = '\u0007';
// What anyone with the public write key can send as a campaign name (utm_campaign).
const HOSTILE = `spring${ESC}]0;owned${BEL}${ESC}]52;c;ZWNobyBvd25lZA==${BEL}${ESC}[2J${ESC}[31mred\rfake line\u009b31m`;

describe('terminalSafe', () => {
  it('shows terminal control characters as escapes, keeps tabs, newlines and CRLF', () => {
    expect(terminalSafe(HOSTILE)).toBe('spring\\u001b]0;owned\\u0007\\u001b]52;c;ZWNobyBvd25lZA==\\u0007\\u001b[2J\\u001b[31mred\\u000dfake line\\u009b31m');
    expect(terminalSafe('a\tb\nc\r\nd')).toBe('a\tb\nc\r\nd');
    expect(terminalSafe('Grüße, €, 東京, ‮')).toBe('Grüße, €, 東京, ‮');
  });

  it('leaves JSON output meaning the same', () => {
    const line = JSON.stringify({ campaign: `x\u0085${ESC}y` });
    expect(JSON.parse(terminalSafe(line))).toEqual({ campaign: `x\u0085${ESC}y` });
  });
});

describe('stdio', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never writes a control sequence to the terminal', () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (written.push(String(s)), true));
    stdio.out(`Campaign  ${HOSTILE}  42`);
    stdio.err(`line 3 (${HOSTILE}): revenue is not a number`);
    vi.restoreAllMocks();
    expect(written).toHaveLength(2);
    for (const w of written) {
      expect(w).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(w.endsWith('\n')).toBe(true);
    }
  });
});
