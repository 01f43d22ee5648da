// Loaded with NODE_OPTIONS=--require: any attempt to open a network socket throws (and is logged to stderr).
// One exception, not made by sigil: the tsx loader that runs the TypeScript sources talks to its own
// compile server over a local IPC pipe (<tmpdir>/tsx-<uid>/<pid>.pipe); that path is let through.
const net = require('node:net');
const tls = require('node:tls');
const http = require('node:http');
const https = require('node:https');
const refuse = (what) => () => {
  process.stderr.write(`NETWORK-ATTEMPT: ${what}\n`);
  throw new Error(`network disabled by test: ${what}`);
};
const isTsxPipe = (a) => {
  const p = typeof a === 'string' ? a : a && typeof a === 'object' ? a.path : undefined;
  return typeof p === 'string' && /[\\/]tsx-[^\\/]+[\\/]\d+\.pipe$/.test(p);
};
const origConnect = net.connect;
const origSocketConnect = net.Socket.prototype.connect;
net.connect = net.createConnection = function (...args) {
  if (isTsxPipe(args[0])) return origConnect.apply(this, args);
  return refuse('net.connect')();
};
net.Socket.prototype.connect = function (...args) {
  if (isTsxPipe(args[0]) || (Array.isArray(args[0]) && isTsxPipe(args[0][0]))) return origSocketConnect.apply(this, args);
  return refuse('net.Socket.connect')();
};
tls.connect = refuse('tls.connect');
http.request = http.get = refuse('http.request');
https.request = https.get = refuse('https.request');
globalThis.fetch = refuse('fetch');
