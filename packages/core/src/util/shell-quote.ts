/** `s` as one POSIX shell word: in single quotes, each single quote inside closed, escaped and reopened. */
export function shellQuote(s: string): string {
    return `'${s.replace(/'/g, `'\\''`)}'`;
}
