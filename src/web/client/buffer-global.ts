// esbuild `inject`: every free `Buffer` in the bundled pure code is this one.
export { Buffer } from 'buffer';
