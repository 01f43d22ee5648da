/**
 * qrSvg: an otpauth:// URI as a QR code in SVG, rendered on the server by the
 * `qrcode` library (no script, no image request: the secret never leaves the page).
 */
import QRCode from 'qrcode';
import { type Html, trusted } from './html.js';

export async function qrSvg(text: string): Promise<Html> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  // The library writes the SVG itself from the encoded modules; nothing of `text` appears as markup.
  return trusted(
    svg.replace('<svg ', '<svg role="img" aria-label="QR code of the authenticator secret" '),
  );
}
