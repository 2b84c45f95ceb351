/** The report formats, apart from the reporters so the CLI can list them without loading any. */
export const FORMATS = ['pretty', 'json', 'sarif', 'github', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}
