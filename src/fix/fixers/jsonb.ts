import type { Fixer } from '../fixer.js';

/** prefer-jsonb: the type word `json` becomes `jsonb` (arrays and modifiers stay as written). */
export const jsonb: Fixer = {
  rules: ['prefer-jsonb'],
  fix(target) {
    const word = target.statement.tokens.find((t) => t.start >= target.span.start && t.end <= target.span.end && t.kind === 'word' && t.upper === 'JSON');
    if (!word) return { reason: 'no json type word found' };
    return { edits: [{ start: word.start, end: word.end, text: word.text === 'JSON' ? 'JSONB' : 'jsonb' }] };
  },
};
