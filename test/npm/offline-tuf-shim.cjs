// Offline stand-in for the Sigstore TUF client that `npm audit signatures` consults first
// (loaded with NODE_OPTIONS="--require <this file>"; npm's own files are not changed).
//
// npm (lib/utils/verify-signatures.js) first asks @sigstore/tuf for the TUF target
// `<registry host><path>/keys.json`; ONLY the error code TUF_FIND_TARGET_ERROR makes it fall back
// to `GET <registry>/-/npm/v1/keys`, which is what we want to test. With network access the real
// TUF client answers exactly that for a private registry (the Sigstore TUF repository only lists
// registry.npmjs.org), but this machine has no route to tuf-repo-cdn.sigstore.dev, and a network
// error there is fatal after ~70 s of retries. So this shim answers what the real service answers:
// "no such target". It changes nothing else: the keys, packuments and signature checks are npm's.
// See ../shared/research/interop-spikes.md §1.
'use strict';
const Module = require('module');
const originalLoad = Module._load;
Module._load = function (request) {
  const m = originalLoad.apply(this, arguments);
  if (request === '@sigstore/tuf' && m && !m.__sigilOfflineShim) {
    return {
      ...m,
      __sigilOfflineShim: true,
      initTUF: async () => ({
        getTarget: async (target) => {
          throw new m.TUFError({ code: 'TUF_FIND_TARGET_ERROR', message: `target ${target} not found` });
        },
      }),
    };
  }
  return m;
};
