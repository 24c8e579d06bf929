// Runs a wasm32-wasi program under Node's node:wasi, as CMAKE_CROSSCOMPILING_EMULATOR and as crc's
// emulator for the wasm32-wasi target: `node wasi-run.mjs PROGRAM.wasm [ARGS...]`.
// The program sees the caller's environment and arguments and the host's file tree, preopened as "/"
// only (so that tests can read fixture trees): with a second preopen for ".", wasi-libc would resolve
// absolute paths against it. Relative paths therefore resolve against "/", not the caller's directory:
// pass absolute paths. Its exit code becomes ours.
import { readFile } from 'node:fs/promises';
import process from 'node:process';

// node:wasi is "experimental" and says so on every start; keep stderr to what the program writes.
const emit = process.emitWarning;
process.emitWarning = (w, ...rest) => {
  const text = typeof w === 'string' ? w : (w && w.message) || '';
  if (/WASI/.test(text)) return;
  return emit.call(process, w, ...rest);
};
const { WASI } = await import('node:wasi');

const [program, ...args] = process.argv.slice(2);
if (!program) {
  process.stderr.write('usage: wasi-run.mjs PROGRAM.wasm [ARGS...]\n');
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [program, ...args],
  env: process.env,
  preopens: { '/': '/' },
  returnOnExit: true,
});
let code;
try {
  const module = await WebAssembly.compile(await readFile(program));
  // getImportObject() exists from Node 20; Debian 12's Node 18 has only wasiImport.
  const imports = typeof wasi.getImportObject === 'function'
    ? wasi.getImportObject()
    : { wasi_snapshot_preview1: wasi.wasiImport };
  const instance = await WebAssembly.instantiate(module, imports);
  code = wasi.start(instance);
} catch (e) {
  process.stderr.write(`wasi-run: ${program}: ${e.message}\n`);
  code = 127;
}
process.exitCode = code;
