/** A replacement of the file text in [start, end) by `text` (an insertion when start = end). Offsets are JavaScript string indexes. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies edits to a text. Identical edits count once (two findings can ask for
 * the same way out of a transaction); an edit overlapping one already taken is
 * dropped and returned, so its finding stays unfixed.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): { text: string; rejected: TextEdit[] } {
  const unique = new Map<string, TextEdit>();
  for (const edit of edits) unique.set(`${edit.start}:${edit.end}:${edit.text}`, edit);
  // Insertions at the same offset keep the order they were asked for.
  const ordered = [...unique.values()].map((edit, i) => ({ edit, i })).sort((a, b) => a.edit.start - b.edit.start || a.edit.end - b.edit.end || a.i - b.i);
  const taken: TextEdit[] = [];
  const rejected: TextEdit[] = [];
  for (const { edit } of ordered) {
    const last = taken[taken.length - 1];
    if (last && edit.start < last.end) rejected.push(edit);
    else taken.push(edit);
  }
  let out = '';
  let at = 0;
  for (const edit of taken) {
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return { text: out + text.slice(at), rejected };
}
