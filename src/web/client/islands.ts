/**
 * The page's islands (preact + htm): verify-in-browser, the inclusion proof of
 * a log entry, and consistency between the checkpoint this browser remembers
 * and the current one. Loaded as one ES module; inert outside a browser.
 */
import { h, render } from 'preact';
import htm from 'htm';
import type { Check } from '../../core/verdict.js';
import { checkConsistency } from '../../log/proof.js';
import type { Checkpoint } from '../../log/checkpoint.js';
import type { Hash } from '../../log/hash.js';
import { inclusionSteps, type ProofStep, verifyCheckpointInPage } from './log-checks.js';
import { verifyFileInPage } from './verify-file.js';
import { fromBase64, hex } from './webcrypto.js';

// htm's typings do not resolve as a default export under NodeNext; its runtime default is the tag builder.
type Tag = (strings: TemplateStringsArray, ...values: unknown[]) => ReturnType<typeof h>;
const view = (htm as unknown as { bind(f: typeof h): Tag }).bind(h);
const MARK: Record<string, string> = { pass: '✔', fail: '✘', skip: '–', warn: '!' };

async function fetchBlob(path: string): Promise<Blob> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path} answered ${res.status}`);
  return res.blob();
}

async function fetchJson(path: string): Promise<unknown> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!res.ok) throw new Error(body.error?.message ?? `${path} answered ${res.status}`);
  return body;
}

function checkList(checks: readonly Check[]) {
  return checks.map(
    (
      c,
    ) => view`<li class=${`check ${c.status}`} data-check=${c.name} data-status=${c.status} data-code=${c.code}>
<span class="mark" aria-hidden="true">${MARK[c.status]}</span> <strong>${c.name}</strong> <span class="status">${c.status}</span> ${c.reason}</li>`,
  );
}

function stepList(steps: readonly ProofStep[]) {
  return steps.map(
    (s) => view`<li class="step">${s.text}<br /><code class="digest">${s.hash}</code></li>`,
  );
}

/** The log key this browser first saw, per origin (trust on first use, like the CLI's pins). */
function pinnedVkey(vkey: string): Check | undefined {
  const origin = vkey.split('+')[0] ?? '';
  const k = `sigil.vkey.${origin}`;
  const seen = localStorage.getItem(k);
  if (seen === null) localStorage.setItem(k, vkey);
  else if (seen !== vkey)
    return {
      name: 'log key',
      code: 'SERVER_IDENTITY_CHANGED',
      status: 'fail',
      reason: `this log's key changed since this browser first saw it (${seen}); someone may be showing you another log`,
    };
  return undefined;
}

/**
 * trustedCheckpoint: the served checkpoint, verified with the log key this browser pinned.
 * A changed key stops here: nothing is checked against a checkpoint of another log.
 */
async function trustedCheckpoint(p: { checkpoint: string; vkey: string }): Promise<{
  checks: Check[];
  checkpoint?: Checkpoint;
}> {
  const pin = pinnedVkey(p.vkey);
  if (pin) return { checks: [pin] };
  const cp = await verifyCheckpointInPage(p.checkpoint, p.vkey);
  return { checks: [cp.check], ...(cp.checkpoint ? { checkpoint: cp.checkpoint } : {}) };
}

function remembered(): { size: number; root: string } | null {
  try {
    return JSON.parse(localStorage.getItem('sigil.checkpoint') ?? 'null') as {
      size: number;
      root: string;
    } | null;
  } catch {
    return null;
  }
}

function rememberCheckpoint(size: number, root: Uint8Array) {
  localStorage.setItem('sigil.checkpoint', JSON.stringify({ size, root: hex(root) }));
}

function verifyIsland(root: HTMLElement) {
  const form = root.querySelector('form')!;
  const out = root.querySelector('.steps')!;
  const summary = root.querySelector('.summary')!;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      const file = (form.querySelector('#artifact') as HTMLInputElement).files?.[0];
      summary.textContent = 'Checking…';
      const bundleFile = (form.querySelector('#bundle') as HTMLInputElement).files?.[0];
      let bundle;
      if (bundleFile) {
        try {
          bundle = JSON.parse(await bundleFile.text());
        } catch {
          summary.textContent = `${bundleFile.name} is not JSON; choose the .sigstore.json bundle`;
          return;
        }
      }
      const purl = (form.querySelector('#purl') as HTMLInputElement).value.trim();
      const expectKeyId = (form.querySelector('#expect-key') as HTMLInputElement).value.trim();
      try {
        const r = await verifyFileInPage({
          ...(file ? { file } : {}),
          ...(bundle ? { bundle } : {}),
          ...(purl ? { purl } : {}),
          ...(expectKeyId ? { expectKeyId } : {}),
          fetchJson,
          fetchBlob,
        });
        render(checkList(r.checks), out);
        const bad = r.checks.find((c) => c.status === 'fail');
        summary.className = `summary ${bad ? 'fail' : 'pass'}`;
        summary.textContent = bad
          ? `NOT verified: ${r.subject} — ${bad.name} failed`
          : `verified: ${r.subject}`;
      } catch (e) {
        summary.className = 'summary fail';
        summary.textContent = `could not check: ${(e as Error).message}`;
      }
    })();
  });
}

function inclusionIsland(root: HTMLElement) {
  const index = Number(root.dataset['index']);
  const out = root.querySelector('.steps')!;
  root.querySelector('button.run')!.addEventListener('click', () => {
    void (async () => {
      const p = (await fetchJson(`/ui/api/inclusion/${index}`)) as {
        leaf: string | null;
        size: number;
        hashes: string[];
        checkpoint: string;
        vkey: string;
      };
      const cp = await trustedCheckpoint(p);
      const checks = cp.checks;
      let steps: ProofStep[] = [];
      if (cp.checkpoint && p.leaf !== null) {
        const r = inclusionSteps(
          fromBase64(p.leaf),
          index,
          cp.checkpoint.size,
          p.hashes.map((x) => fromBase64(x) as Hash),
          cp.checkpoint.hash,
        );
        steps = r.steps;
        checks.push(r.check);
      }
      render(view`${stepList(steps)}${checkList(checks)}`, out);
    })();
  });
}

function consistencyIsland(root: HTMLElement) {
  const form = root.querySelector('form')!;
  const out = root.querySelector('.steps')!;
  const seen = remembered();
  if (seen) (form.querySelector('#size1') as HTMLInputElement).value = String(seen.size);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void (async () => {
      const size1 = Number((form.querySelector('#size1') as HTMLInputElement).value);
      const p = (await fetchJson(`/ui/api/consistency?size1=${size1}`)) as {
        hashes: string[];
        checkpoint: string;
        vkey: string;
      };
      const cp = await trustedCheckpoint(p);
      const checks = cp.checks;
      const proof = p.hashes.map((x) => fromBase64(x) as Hash);
      const steps: ProofStep[] = proof.map((x, i) => ({ text: `proof[${i}]`, hash: hex(x) }));
      if (cp.checkpoint) {
        const old = remembered();
        if (!old || old.size !== size1)
          checks.push({
            name: 'consistency',
            code: 'NO_REMEMBERED_CHECKPOINT',
            status: 'skip',
            reason: `this browser remembers no verified checkpoint of size ${size1}; it remembers ${cp.checkpoint.size} now, and checks the next visit against it`,
          });
        else {
          const c = checkConsistency(
            proof,
            size1,
            cp.checkpoint.size,
            Uint8Array.from(old.root.match(/../g)!.map((b) => parseInt(b, 16))),
            cp.checkpoint.hash,
          );
          steps.unshift({ text: `root this browser verified at size ${size1}`, hash: old.root });
          steps.push({
            text: `root of the signed checkpoint at size ${cp.checkpoint.size}`,
            hash: hex(cp.checkpoint.hash),
          });
          checks.push(c);
          if (c.status !== 'pass') {
            render(view`${stepList(steps)}${checkList(checks)}`, out);
            return; // keep the old checkpoint: a split view must stay visible
          }
        }
        rememberCheckpoint(cp.checkpoint.size, cp.checkpoint.hash);
      }
      render(view`${stepList(steps)}${checkList(checks)}`, out);
    })();
  });
  // A first visit remembers the current checkpoint once it verifies, so later visits can be checked against it.
  if (!seen)
    void (async () => {
      const p = (await fetchJson(`/ui/api/consistency?size1=0`)) as {
        checkpoint: string;
        vkey: string;
      };
      const cp = await trustedCheckpoint(p);
      if (cp.checkpoint) rememberCheckpoint(cp.checkpoint.size, cp.checkpoint.hash);
    })();
}

if (typeof document !== 'undefined') {
  for (const el of document.querySelectorAll<HTMLElement>('[data-island]')) {
    const kind = el.dataset['island'];
    if (kind === 'verify') verifyIsland(el);
    else if (kind === 'inclusion') inclusionIsland(el);
    else if (kind === 'consistency') consistencyIsland(el);
  }
}
