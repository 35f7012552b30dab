import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Resolves with the first JSON line on the child's stdout that has `field`; rejects if the child exits
 * first (its stderr is inherited, so the reason is already on screen).
 */
export function readJsonLine<T>(child: ChildProcess, field: string, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error(`${what}: stdout is not piped`));
    const lines = createInterface({ input: child.stdout });
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`${what} exited before it was ready (code ${code}, signal ${signal})`));
    child.once('exit', onExit);
    lines.on('line', (line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        return;
      }
      if (parsed && typeof parsed === 'object' && field in parsed) {
        child.off('exit', onExit);
        lines.close();
        resolve(parsed as T);
      }
    });
  });
}
