import { onTestFinished, vi } from 'vitest';

/** A spy on unhandled rejections for the rest of the running test: assert it was never called. */
export function watchUnhandledRejections() {
  const spy = vi.fn();
  process.on('unhandledRejection', spy);
  onTestFinished(() => void process.off('unhandledRejection', spy));
  return spy;
}
