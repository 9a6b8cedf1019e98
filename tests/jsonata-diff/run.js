#!/usr/bin/env node
// The reference side of Baton's JSONata differential test
// (definitions/tests/jsonata_differential.rs): npm jsonata 2.0.6, the version AWS Step
// Functions runs.
//
// Reads JSON lines {"id", "expr", "input"?, "bindings"?} from the file named by argv[2] and
// prints one JSON line per case: {"id", "value"} | {"id", "undefined": true} |
// {"id", "function": true} | {"id", "error": {"code", "message", "position"}}.
//
// The clock and Math.random are fixed the way the Rust side's JsonataEnv fixes them: the
// time is NOW_MILLIS and Math.random is the same splitmix64 generator, restarted from SEED
// for every case.
'use strict';
const fs = require('fs');
const jsonata = require('jsonata');

const NOW_MILLIS = 1700000000123;
const SEED = 42n;
const MASK = (1n << 64n) - 1n;

let state = SEED;
function nextU64() {
  state = (state + 0x9E3779B97F4A7C15n) & MASK;
  let z = state;
  z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & MASK;
  z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & MASK;
  return z ^ (z >> 31n);
}
Math.random = () => Number(nextU64() >> 11n) / 2 ** 53;

const RealDate = Date;
class FixedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(NOW_MILLIS);
    else super(...args);
  }
  static now() { return NOW_MILLIS; }
}
globalThis.Date = FixedDate;

function isFunction(v) {
  return typeof v === 'function' || (v !== null && typeof v === 'object' && (v._jsonata_lambda || v._jsonata_function));
}

async function run(c) {
  state = SEED;
  try {
    const expr = jsonata(c.expr);
    const result = await expr.evaluate(c.input, c.bindings || {});
    if (result === undefined) return { id: c.id, undefined: true };
    if (isFunction(result)) return { id: c.id, function: true };
    const text = JSON.stringify(result);
    if (text === undefined) return { id: c.id, undefined: true };
    // JavaScript strings are UTF-16: a lone surrogate (from splitting an emoji) is not
    // valid JSON text for the Rust side; report it as such.
    if (/\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i.test(text)) {
      return { id: c.id, error: { code: 'LONE_SURROGATE', message: text } };
    }
    return { id: c.id, value: JSON.parse(text) };
  } catch (e) {
    if (e && e.code) {
      return { id: c.id, error: { code: e.code, message: e.message, position: e.position } };
    }
    return { id: c.id, error: { code: 'JS', message: String(e && e.message || e) } };
  }
}

async function main() {
  const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.trim());
  const out = [];
  for (const line of lines) {
    out.push(JSON.stringify(await run(JSON.parse(line))));
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => { console.error(e); process.exit(1); });
