/**
 * Splits a launcher script into words as a POSIX shell would for the cases GRLO's train.sh
 * uses: comment lines, backslash-newline continuations, single and double quotes, `$name`
 * expansion (from `vars`) and `$@` with no arguments (expands to nothing).
 */
export function shellWords(script: string, vars: Record<string, string>): string[] {
  const text = script.split("\n").filter((l) => !l.trimStart().startsWith("#")).join("\n")
    .replaceAll("\\\n", " ");
  const words: string[] = [];
  let cur: string | null = null;
  const expand = (i: number): [string, number] => {
    const m = /^\$(@|[A-Za-z_]\w*)/.exec(text.slice(i));
    if (!m) return ["$", i + 1];
    return [m[1] === "@" ? "" : vars[m[1]] ?? "", i + m[0].length];
  };
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (/\s/.test(c)) {
      if (cur !== null && cur !== "") words.push(cur);
      cur = null;
      i++;
    } else if (c === "'") {
      const j = text.indexOf("'", i + 1);
      cur = (cur ?? "") + text.slice(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      let j = i + 1;
      cur = cur ?? "";
      while (text[j] !== '"') {
        if (text[j] === "$") {
          const [v, k] = expand(j);
          cur += v;
          j = k;
        } else cur += text[j++];
      }
      i = j + 1;
    } else if (c === "$") {
      const [v, k] = expand(i);
      cur = (cur ?? "") + v;
      i = k;
    } else {
      cur = (cur ?? "") + c;
      i++;
    }
  }
  if (cur !== null && cur !== "") words.push(cur);
  return words;
}
