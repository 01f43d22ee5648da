/** The Hex personality: a Hex v2 repository of the packages published to Sigil, signed with the registry's RSA key. */
export { hexRoutes } from './routes.js';
export type { HexRoutesOptions } from './routes.js';
export { HexRepository } from './repository.js';
export type { HexOptions, HexSnapshot } from './repository.js';
export { loadOrCreateHexKey, signPayload } from './rsa-key.js';
export type { RegistryHexKey } from './rsa-key.js';
export { decodeMessage, decodeSigned, encodePackage, encodeSigned } from './protobuf.js';
