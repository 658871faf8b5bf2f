import { readFileSync } from 'node:fs';
import { parseChannelRules, RuleError, type ChannelRule } from '../attribution/rules';
import { CliError } from './io';

/**
 * Read `--channel-rules <file.json>` for `site update`: the file's JSON array, validated by the
 * rule parser reports use (`parseChannelRules`), so a saved rule set never breaks a report.
 * `none` (or an empty array) means "no custom rules": returns null, and the caller clears them.
 * Every failure is a `CliError` naming the file and, for a bad rule, its path (`rules[2].when…`).
 *
 * @example
 * const rules = readChannelRulesFile('rules.json'); // ChannelRule[] | null
 */
export function readChannelRulesFile(path: string): ChannelRule[] | null {
  if (path === 'none') return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CliError(`--channel-rules ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give a JSON file, or "none" to clear the rules`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--channel-rules ${path}: not valid JSON: ${(e as Error).message}`);
  }
  try {
    const rules = parseChannelRules(json);
    return rules.length ? rules : null;
  } catch (e) {
    if (e instanceof RuleError) throw new CliError(`--channel-rules ${path}: ${e.message}`);
    throw e;
  }
}

/** One line naming a site's custom channel rules, for `site update`. */
export function describeChannelRules(settings: Record<string, unknown>): string {
  const r = settings.channelRules;
  if (!Array.isArray(r) || r.length === 0) return 'none (the default channel table only)';
  const channels = [...new Set(r.map((x) => (x as ChannelRule).channel))];
  return `${r.length} custom rule${r.length === 1 ? '' : 's'} before the defaults (${channels.join(', ')})`;
}
