/** Saving what the panel exports (CSV, PNG) through the browser's download machinery. */

/** Saves a blob as a download (an <a download> click). */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The click has handed the blob to the browser; revoke on the next turn, not synchronously.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** A file name safe for downloads, from a chart's or an output's title. */
export function fileStem(title: string): string {
  return title.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '') || 'chart';
}
