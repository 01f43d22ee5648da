// One worker of the multi-core verification benchmark: verifies the same bundle n times.
import { parentPort, workerData } from 'node:worker_threads';

const { keyPem, bundle, digests, purl, n, dist } = workerData;
const { parsePrivateKeyFile } = await import(`${dist}core/keys.js`);
const { verifyRelease } = await import(`${dist}core/verify.js`);
const key = parsePrivateKeyFile(keyPem);
const input = { bundle, artifact: { name: 'x.tgz', digests, purl }, trustedKeys: [key.publicKey] };
for (let i = 0; i < n; i++)
  if (!verifyRelease(input).ok) throw new Error('bench bundle did not verify');
parentPort.postMessage(n);
