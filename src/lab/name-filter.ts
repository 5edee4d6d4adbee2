/** The filter over names the panel (metrics) and the runs table (runs) share. */

/** A case-insensitive match on names (of metrics, of runs): the filter as a regular expression, or as plain text. */
export function nameFilter(filter: string): (name: string) => boolean {
  try {
    const re = new RegExp(filter, 'i');
    return name => re.test(name);
  } catch {
    const text = filter.toLowerCase();
    return name => name.toLowerCase().includes(text);
  }
}
