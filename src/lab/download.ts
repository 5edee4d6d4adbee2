/** Saves a blob through the browser's download machinery (an <a download> click). */
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
