// Go templates ({{ .Namespace }}, as in supabase/auth) and Flyway placeholders
// (${schema}) are not SQL. Each is replaced by an identifier of exactly the same
// length, derived from its text, so that positions stay true and the same
// placeholder always names the same object.
const TEMPLATE = /\{\{[^\n{}]*\}\}|\$\{[A-Za-z_][^\n{}]*\}/g;

/** Placeholder → the template text it stands for, so messages can show what the user wrote. */
const originals = new Map<string, string>();

export function maskTemplates(text: string): string {
  if (!text.includes('{{') && !text.includes('${')) return text;
  return text.replace(TEMPLATE, (match) => placeholderFor(match));
}

function placeholderFor(template: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < template.length; i++) hash = Math.imul(hash ^ template.charCodeAt(i), 0x01000193) >>> 0;
  const name = `tpl_${hash.toString(36)}`;
  const placeholder = name.length >= template.length ? name.slice(0, template.length) : name.padEnd(template.length, '_');
  originals.set(placeholder, template);
  return placeholder;
}

/** The template text behind a placeholder name, or the name itself. */
export function unmaskName(name: string): string {
  return originals.get(name) ?? name;
}
