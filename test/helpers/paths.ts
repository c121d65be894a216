/** Paths tests need, independent of the working directory (tests run from dist/test/...). */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** `../shared/corpus` beside the repository. */
export const CORPUS = path.resolve(ROOT, '../shared/corpus');
/** test/fixtures (source tree, not dist). */
export const FIXTURES = path.join(ROOT, 'test/fixtures');
export const corpus = (...p: string[]) => path.join(CORPUS, ...p);
export const fixture = (...p: string[]) => path.join(FIXTURES, ...p);
