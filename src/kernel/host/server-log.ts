import * as fs from 'fs';

/**
 * Writes to the kernel's own stderr, which the Jupyter server logs: for what happens while no cell
 * runs (fd 2 directly: tslab points process.stderr.write at a cell's output, or a closed socket).
 */
export function writeToServerLog(text: string): void {
  try {
    fs.writeSync(2, text + '\n');
  } catch {
    /* nowhere left to report */
  }
}
