/** Errors of the file system, in words a researcher can act on. */
import { errorText } from './report';

/** The file system said no: disk full, read-only, no permission. The message says what to do. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly code?: string
  ) {
    super(`metrics-plotter: ${message}`);
    this.name = 'StorageError';
  }
}

/** Turns an fs error into words a researcher can act on. */
export function storageError(err: unknown, action: string, target: string): StorageError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const tail = 'Nothing was left behind.';
  switch (code) {
    case 'ENOSPC':
      return new StorageError(
        `cannot ${action}: the disk that holds ${target} is full (ENOSPC). Free some space there, then try again. ${tail}`,
        code
      );
    case 'EDQUOT':
      return new StorageError(
        `cannot ${action}: your disk quota for ${target} is used up (EDQUOT). Free some space, then try again. ${tail}`,
        code
      );
    case 'EROFS':
      return new StorageError(
        `cannot ${action}: ${target} is on a read-only file system (EROFS), and videos are written next to the notebook. ` +
          `Copy the notebook to a writable folder and run it from there. ${tail}`,
        code
      );
    case 'EACCES':
    case 'EPERM':
      return new StorageError(
        `cannot ${action}: no permission to write in ${target} (${code}). Open the notebook from a folder you can write to, ` +
          `or make this one writable for the user the kernel runs as. ${tail}`,
        code
      );
    default:
      return new StorageError(`cannot ${action} in ${target}: ${errorText(err)}. ${tail}`, code);
  }
}
