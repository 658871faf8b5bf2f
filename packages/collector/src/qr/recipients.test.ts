import { describe, expect, test } from 'vitest';
import { hashPii } from '../pii';
import { parseRecipientsCsv, parseRecipientsJson } from './recipients';

describe('recipient lists', () => {
  test.each([
    ['email'],
    ['Email'],
    ['EMAIL'],
    ['E-Mail'],
    ['e mail'],
    ['email_address'],
    ['Email Address'],
  ])('JSON key %j is the e-mail (keys are case-insensitive)', async (key) => {
    const out = await parseRecipientsJson([{ ref: 'R-1', [key]: 'Jane@Example.com' }]);
    expect(out.recipients).toEqual([{ ref: 'R-1', emailSha256: await hashPii('email', 'jane@example.com') }]);
    expect(out.warnings).toEqual([]);
  });

  test('JSON: keys no field uses are named once, at the first row that has one', async () => {
    const out = await parseRecipientsJson([
      { Ref: 'R-1', CustomerId: 'C-1', LoyaltyId: 'L-1' },
      { ref: 'R-2', name: 'Jane', Telefon: '030 123' },
      { ref: 'R-3', name: 'Joe' },
    ]);
    expect(out.recipients.map((r) => r.ref)).toEqual(['R-1', 'R-2', 'R-3']);
    expect(out.recipients[0]).toEqual({ ref: 'R-1', customerId: 'C-1', loyaltyId: 'L-1' });
    expect(out.warnings).toEqual([{ line: 2, ref: null, reason: expect.stringMatching(/^columns "name", "Telefon" ignored \(recipient columns: recipient_ref, /) }]);
  });

  test('CSV: unknown columns are named once, at the header line, as the file spells them', async () => {
    const out = await parseRecipientsCsv('recipient_ref;Name;E-Mail;Strasse;\nR-1;Rolf;rolf@example.org;Hauptstr 1;\nR-2;Jo;not-an-email;x;\n');
    expect(out.recipients[0]).toEqual({ ref: 'R-1', emailSha256: await hashPii('email', 'rolf@example.org') });
    expect(out.warnings).toEqual([
      { line: 1, ref: null, reason: expect.stringMatching(/^columns "Name", "Strasse" ignored/) },
      { line: 3, ref: 'R-2', reason: expect.stringMatching(/email is not valid/) },
    ]);
    expect((await parseRecipientsCsv('Recipient Ref,Customer ID,Phone Number\nR-1,C-1,+49 30 1234567\n')).warnings).toEqual([]);
  });
});
