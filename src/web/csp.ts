/**
 * The web UI's Content-Security-Policy: scripts, styles and fetches from this
 * origin only; no inline script or style, no plugins, no framing, forms post
 * only here. Applied by @fastify/helmet to the /ui routes alone, so the
 * package-manager personalities answer exactly as before.
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
  upgradeInsecureRequests: null,
} as const;
