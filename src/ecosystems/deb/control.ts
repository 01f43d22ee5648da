/**
 * Debian control data (deb822 / Debian Policy §5.1): "Field: value" lines,
 * continuation lines starting with a space or tab, stanzas separated by
 * blank lines. Field names are case-insensitive; a repeated field is an error.
 */
export class ControlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** parseControl reads the first stanza; keys are kept as written, lookups use lowerCase keys in the returned map. */
export function parseControl(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trim() === '') {
      if (fields.size > 0) break;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined)
        throw new ControlSyntaxError('continuation line before any field', i + 1);
      fields.set(last, `${fields.get(last)!}\n${line.slice(1)}`);
      continue;
    }
    const m = /^([!-9;-~][!-9;-~]*):(.*)$/.exec(line);
    if (!m)
      throw new ControlSyntaxError(
        `line is not "Field: value": ${JSON.stringify(line.slice(0, 60))}`,
        i + 1,
      );
    const key = m[1]!.toLowerCase();
    if (fields.has(key)) throw new ControlSyntaxError(`field "${m[1]}" appears twice`, i + 1);
    fields.set(key, m[2]!.trim());
    last = key;
  }
  return fields;
}
