// Bundles src/index.ts (JupyterLab's notebook frontend) into build/ with esbuild:
// build/index.js, build/index.css and the fonts/icons the stylesheets reference.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'build');
const tmp = `${out}.tmp-${process.pid}`;

// JupyterLab stylesheets use webpack's `~package/file` imports.
const tilde = {
  name: 'tilde-imports',
  setup(build) {
    build.onResolve({ filter: /^~/ }, (args) =>
      build.resolve(args.path.slice(1), { kind: args.kind, resolveDir: args.resolveDir }),
    );
  },
};

const started = Date.now();
await esbuild.build({
  entryPoints: { index: path.join(here, 'src/index.ts') },
  outdir: tmp,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: !process.env.NO_MINIFY,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: {
    '.svg': 'dataurl',
    '.png': 'file',
    '.gif': 'file',
    '.woff': 'file',
    '.woff2': 'file',
    '.ttf': 'file',
    '.eot': 'file',
    '.md': 'text',
  },
  plugins: [tilde],
});
// Replace build/ in one step so a half-written bundle is never served.
fs.rmSync(out, { recursive: true, force: true });
fs.renameSync(tmp, out);
const size = fs.readdirSync(out).reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0);
console.log(`jupyterlab frontend: build/ ${(size / 1e6).toFixed(1)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
