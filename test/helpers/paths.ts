/** Paths tests need, independent of the working directory (tests run from dist/test/...). */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root: tests run compiled from dist/test/helpers, or as TypeScript from test/helpers (npm run test:fast). */
export const ROOT = path.resolve(here, path.basename(path.resolve(here, '../..')) === 'dist' ? '../../..' : '../..');
/** `../shared/corpus` beside the repository. */
export const CORPUS = path.resolve(ROOT, '../shared/corpus');
/** test/fixtures (source tree, not dist). */
export const FIXTURES = path.join(ROOT, 'test/fixtures');
export const corpus = (...p: string[]) => path.join(CORPUS, ...p);
export const fixture = (...p: string[]) => path.join(FIXTURES, ...p);
