/**
 * checkServerUrl: what is wrong with a registry address, said before any
 * request is made (a bare "Invalid URL" or undici's "bad port" tell a user
 * nothing). Returns the URL without trailing slashes.
 */
import { InputError } from '../core/errors.js';

/**
 * Ports the Fetch standard blocks ("bad ports", https://fetch.spec.whatwg.org/#port-blocking):
 * Node's fetch refuses them with "bad port" whatever the server.
 */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
]);

/** checkServerUrl validates `value` given by `source` (e.g. "--server", "$SIGIL_SERVER"); throws InputError `SERVER_URL_INVALID`. */
export function checkServerUrl(value: string, source = '-s/--server'): string {
  const v = value.trim();
  const hint = 'the address `sigil serve` printed, e.g. http://127.0.0.1:8080';
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    throw new InputError(
      'SERVER_URL_INVALID',
      `${source} "${value}" has no scheme (http:// or https://)`,
      { hint: `did you mean http://${v.replace(/^\/+/, '')}?` },
    );
  }
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    const port = /^[a-z]+:\/\/[^/:]*:([^/]*)/i.exec(v)?.[1];
    if (port !== undefined && !/^\d{1,5}$/.test(port))
      throw new InputError(
        'SERVER_URL_INVALID',
        `${source} "${value}": the port "${port}" is not a number`,
        { hint },
      );
    if (port !== undefined && Number(port) > 65535)
      throw new InputError(
        'SERVER_URL_INVALID',
        `${source} "${value}": port ${port} is above 65535`,
        { hint },
      );
    throw new InputError('SERVER_URL_INVALID', `${source} "${value}" is not a URL`, { hint });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(
      'SERVER_URL_INVALID',
      `${source} "${value}": the scheme must be http or https, not ${url.protocol.replace(/:$/, '')}`,
      { hint },
    );
  }
  if (url.port !== '' && BAD_PORTS.has(Number(url.port))) {
    throw new InputError(
      'SERVER_URL_INVALID',
      `${source} "${value}": port ${url.port} is one the Fetch standard blocks (it belongs to another protocol), so no HTTP client here will connect to it`,
      {
        hint: 'run the registry on another port (sigil serve -p 8080)',
      },
    );
  }
  if (url.search !== '' || url.hash !== '')
    throw new InputError(
      'SERVER_URL_INVALID',
      `${source} "${value}" must not carry a query or fragment`,
      { hint },
    );
  return v.replace(/\/+$/, '');
}
