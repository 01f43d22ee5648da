// multipart/form-data read from a whole body (src/registry/multipart-body.ts): whatever Node's own
// FormData encoder (undici, what fetch and `sigil publish` send) writes is read back exactly — also
// bytes that look like boundaries or line breaks — and malformed bodies are refused with a reason.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundaryOf, parseMultipartForm } from '../../src/registry/multipart-body.js';
import { RegistryError } from '../../src/registry/errors.js';

/** encode runs undici's encoder: the body and content type fetch would send. */
async function encode(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const res = new Response(form);
  return {
    body: Buffer.from(await res.arrayBuffer()),
    contentType: res.headers.get('content-type')!,
  };
}

const refused = (f: () => unknown, mentions: string) => {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RegistryError);
  expect((err as RegistryError).status).toBe(400);
  expect((err as RegistryError).message).toContain(mentions);
};

describe('multipart body: what fetch writes is read back exactly', () => {
  it('random fields and files, data full of CR, LF, dashes and boundary-like bytes', async () => {
    const tricky = fc.constantFrom('\r\n', '--', '\r\n--', '-', '\r', '\n', 'formdata', '"');
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(tricky, { maxLength: 20 }).map((xs) => new TextEncoder().encode(xs.join(''))),
    );
    const part = fc.record({
      name: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,10}$/),
      file: fc.option(fc.stringMatching(/^[a-zA-Z0-9._ ()-]{1,20}$/), { nil: undefined }),
      data: bytes,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(part, { minLength: 1, maxLength: 6 }), async (parts) => {
        const form = new FormData();
        for (const p of parts)
          if (p.file !== undefined) form.append(p.name, new Blob([p.data]), p.file);
          else form.append(p.name, new TextDecoder().decode(p.data));
        const { body, contentType } = await encode(form);
        const read = parseMultipartForm(body, boundaryOf(contentType), 10);
        expect(read.map((r) => r.name)).toEqual(parts.map((p) => p.name));
        read.forEach((r, i) => {
          const p = parts[i]!;
          expect(r.filename).toBe(p.file);
          // a text field is sent as UTF-8 of the string (lone bytes become U+FFFD): compare that
          const sent =
            p.file !== undefined
              ? Buffer.from(p.data)
              : Buffer.from(
                  new TextDecoder().decode(p.data).replace(/\r(?!\n)|(?<!\r)\n/g, '\r\n'),
                );
          expect(r.data.equals(sent)).toBe(true);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('a file name with quotes and non-ASCII letters survives', async () => {
    const form = new FormData();
    form.append('artifact', new Blob([Buffer.from('x')]), 'naïve "quoted".tgz');
    const { body, contentType } = await encode(form);
    const [p] = parseMultipartForm(body, boundaryOf(contentType), 1);
    // undici writes a quote as %22 (the HTML form encoding); the name is kept as sent
    expect(p!.filename).toBe('naïve %22quoted%22.tgz');
  });

  it('curl-style quoting (backslash escapes) and a quoted boundary are read', () => {
    const body = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="bundle"; filename="a \\"b\\".json"\r\n' +
        'Content-Type: application/json\r\n\r\n{}\r\n--b--\r\n',
    );
    const [p] = parseMultipartForm(body, boundaryOf('multipart/form-data; boundary="b"'), 1);
    expect(p).toMatchObject({ name: 'bundle', filename: 'a "b".json' });
    expect(p!.data.toString()).toBe('{}');
  });
});

describe('multipart body: malformed bodies are refused with a reason', () => {
  const ok = (s: string) => Buffer.from(s);
  it.each([
    ['no boundary parameter', 'multipart/form-data', 'boundary'],
    ['an empty boundary', 'multipart/form-data; boundary=', 'boundary'],
    [
      'a boundary over 70 characters',
      `multipart/form-data; boundary=${'a'.repeat(71)}`,
      'boundary',
    ],
  ])('%s', (_what, contentType, mentions) => refused(() => boundaryOf(contentType), mentions));

  it.each([
    ['a body that does not start with the boundary', 'xx--b\r\n', 'start'],
    [
      'a form without its closing delimiter',
      '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue',
      'not closed',
    ],
    [
      'a part cut inside its headers',
      '--b\r\nContent-Disposition: form-data; name="a"',
      'end of headers',
    ],
    [
      'garbage after a boundary',
      '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n--bX',
      'line break',
    ],
    [
      'a part without Content-Disposition',
      '--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--',
      'Content-Disposition',
    ],
    [
      'a part without a name',
      '--b\r\nContent-Disposition: form-data; filename="x"\r\n\r\nv\r\n--b--',
      'no name',
    ],
    [
      'a part that is not form-data',
      '--b\r\nContent-Disposition: attachment; name="a"\r\n\r\nv\r\n--b--',
      'not form-data',
    ],
    [
      'a header line without a colon',
      '--b\r\nContent-Disposition: form-data; name="a"\r\nbogus\r\n\r\nv\r\n--b--',
      'no name',
    ],
    [
      'a name given twice',
      '--b\r\nContent-Disposition: form-data; name="a"; name="b"\r\n\r\nv\r\n--b--',
      'twice',
    ],
    [
      'two Content-Disposition headers',
      '--b\r\nContent-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="b"\r\n\r\nv\r\n--b--',
      'two',
    ],
    [
      'an unterminated quoted name',
      '--b\r\nContent-Disposition: form-data; name="a\r\n\r\nv\r\n--b--',
      'malformed',
    ],
    [
      'headers that run on for 9 KB',
      `--b\r\nContent-Disposition: form-data; name="a"\r\nX: ${'y'.repeat(9000)}\r\n\r\nv\r\n--b--`,
      'header bytes',
    ],
  ])('%s', (_what, body, mentions) =>
    refused(() => parseMultipartForm(ok(body), 'b', 9), mentions),
  );

  it('more parts than allowed', () => {
    const part = '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n';
    refused(() => parseMultipartForm(ok(`${part.repeat(4)}--b--`), 'b', 3), 'more than 3 parts');
    expect(parseMultipartForm(ok(`${part.repeat(3)}--b--`), 'b', 3)).toHaveLength(3);
  });

  it('every truncation of a valid body is refused or reads the parts it closed — never a cut part as whole', async () => {
    const form = new FormData();
    form.append('artifact', new Blob([Buffer.alloc(64, 0x2d)]), 'p.tgz');
    form.append('bundle', '{"a":1}');
    const { body, contentType } = await encode(form);
    const boundary = boundaryOf(contentType);
    const whole = parseMultipartForm(body, boundary, 9);
    for (let n = 0; n < body.length; n++) {
      let parts;
      try {
        parts = parseMultipartForm(body.subarray(0, n), boundary, 9);
      } catch (e) {
        expect(e).toBeInstanceOf(RegistryError);
        continue;
      }
      // Only once the closing delimiter is in: then every part is whole.
      expect(parts.map((p) => p.data.toString('hex'))).toEqual(
        whole.map((p) => p.data.toString('hex')),
      );
    }
  });
});
