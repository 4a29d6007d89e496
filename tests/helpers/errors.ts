import { expect } from 'vitest';
import { CompileError } from '../../compiler/ir/graph.js';

/** Runs `fn` expecting a CompileError and returns it, so a test can check what it says. */
export function compileError(fn: () => unknown): CompileError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CompileError);
    return e as CompileError;
  }
  throw new Error('expected a CompileError, nothing was thrown');
}
