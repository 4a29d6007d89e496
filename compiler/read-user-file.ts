// Reading a file the user named, with the one-line error the CLI shows when that fails.
import { readFileSync } from 'node:fs';
import { CompileError } from './ir/graph.js';

export function readUserFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new CompileError(`${file}: cannot read ${what}: ${reason}`, 2, { file });
  }
}
