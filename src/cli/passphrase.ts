/**
 * Passphrases: from SIGIL_PASSPHRASE (scripts, CI) or typed at a prompt on
 * the terminal with echo off. Never from a flag: flags end up in shell
 * history and process listings.
 */
import { openSync, readSync, writeSync, closeSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { InputError } from '../core/errors.js';
import type { Io } from './output.js';

/** promptHidden reads a line from the controlling terminal without echo; undefined when there is no terminal. */
function promptHidden(prompt: string): string | undefined {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    return undefined;
  }
  try {
    writeSync(fd, prompt);
    try {
      execFileSync('stty', ['-echo'], { stdio: [fd, 'ignore', 'ignore'] });
    } catch {
      /* no stty: the passphrase will echo, still better than failing */
    }
    const buf = Buffer.alloc(1);
    const bytes: number[] = [];
    while (readSync(fd, buf, 0, 1, null) === 1 && buf[0] !== 0x0a && buf[0] !== 0x0d)
      bytes.push(buf[0]!);
    return Buffer.from(bytes).toString('utf8');
  } finally {
    try {
      execFileSync('stty', ['echo'], { stdio: [fd, 'ignore', 'ignore'] });
    } catch {
      /* nothing to restore */
    }
    writeSync(fd, '\n');
    closeSync(fd);
  }
}

/** readPassphrase gets the passphrase for an existing key. */
export function readPassphrase(io: Io, keyFile: string): string {
  const fromEnv = io.env['SIGIL_PASSPHRASE'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const typed = promptHidden(`sigil: passphrase for ${keyFile}: `);
  if (typed === undefined) {
    throw new InputError(
      'KEY_PASSPHRASE_REQUIRED',
      `${keyFile} is encrypted and no passphrase is available`,
      {
        file: keyFile,
        hint: 'set SIGIL_PASSPHRASE, or run from a terminal to be prompted',
      },
    );
  }
  return typed;
}

/** readNewPassphrase gets a passphrase for a new key, asking twice at a prompt; undefined when none is available. */
export function readNewPassphrase(io: Io): string | undefined {
  const fromEnv = io.env['SIGIL_PASSPHRASE'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const first = promptHidden('sigil: passphrase for the new key (SIGIL_PASSPHRASE to script it): ');
  if (first === undefined) return undefined;
  const second = promptHidden('sigil: the same passphrase again: ');
  if (first !== second)
    throw new InputError(
      'KEY_PASSPHRASE_MISMATCH',
      'the two passphrases differ; no key was written',
      { hint: 'run sigil keygen again' },
    );
  return first === '' ? undefined : first;
}
