/** POSIX shell quoting for the scripts and `reproduce:` lines csd writes. */

/** Quotes one word for /bin/sh; plain words stay readable. */
export function shellQuote(word: string): string {
  if (word.length > 0 && /^[A-Za-z0-9_\/.,:=@%+-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Quotes and joins a command line. */
export function shellJoin(words: string[]): string {
  return words.map(shellQuote).join(" ");
}
