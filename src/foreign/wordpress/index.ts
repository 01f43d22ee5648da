export {
  verifyWordPressSignature,
  parseWordPressSignatures,
  MAX_SIGNATURE_FILE_BYTES,
} from './verify.js';
export type { WordPressVerifyOptions } from './verify.js';
export { verifyWordPressFile } from './read.js';
export type { WordPressFileOptions } from './read.js';
