const WIDTH = 100;

/** Word-wraps prose to WIDTH; `indent` prefixes every line, `first` replaces it on the first. */
export function wrap(text: string, indent: string, first = indent): string {
    const lines: string[] = [];
    let line = first;
    let empty = true;
    for (const word of text.split(/\s+/).filter(Boolean)) {
        if (!empty && line.length + 1 + word.length > WIDTH) {
            lines.push(line);
            line = indent;
            empty = true;
        }
        line += (empty ? "" : " ") + word;
        empty = false;
    }
    lines.push(line);
    return lines.join("\n");
}
