/**
 * The families of the toy world's tiny TypeScript functions: for a constant `k`, the names to
 * pick from, the comment, signature and body, a reference implementation and example inputs.
 *
 * @module
 */

const WORDS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
];
const capWord = (k: number) => WORDS[k][0].toUpperCase() + WORDS[k].slice(1);

/** A reference implementation. */
export type Fn = (...args: never[]) => unknown;
/** One family member before the name is chosen: names to pick from, text, reference implementation, inputs. */
export type Draft = {
  names: string[];
  comment: string;
  signature: string;
  body: string;
  impl: Fn;
  inputs: unknown[][];
};

const NUMS = [[1, 2, 3], [4, 0, 7, 1], [10, -3, 5], [2, 2, 9, 6, 1]];

/** The families; constant ones ignore `k`, the others use it in their name and body. */
export const FAMILIES: Record<string, (k: number) => Draft> = {
  sum: () => ({
    names: ["sumList", "sumAll", "totalOf", "addUp"],
    comment: "Returns the sum of the numbers in xs.",
    signature: "(xs: number[]): number",
    body: "  let total = 0;\n  for (const x of xs) total += x;\n  return total;\n}\n",
    impl: (xs: number[]) => xs.reduce((a, b) => a + b, 0),
    inputs: [[[1, 2, 3]], [[]], [[10, -3, 5]]],
  }),
  product: () => ({
    names: ["productOf", "multiplyAll", "productList"],
    comment: "Returns the product of the numbers in xs.",
    signature: "(xs: number[]): number",
    body: "  let p = 1;\n  for (const x of xs) p *= x;\n  return p;\n}\n",
    impl: (xs: number[]) => xs.reduce((a, b) => a * b, 1),
    inputs: [[[1, 2, 3]], [[4, 5]], [[]]],
  }),
  max: () => ({
    names: ["maxOf", "largest", "biggest"],
    comment: "Returns the largest number in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  let best = xs[0];\n  for (const x of xs) if (x > best) best = x;\n  return best;\n}\n",
    impl: (xs: number[]) => Math.max(...xs),
    inputs: NUMS.slice(0, 3).map((x) => [x]),
  }),
  min: () => ({
    names: ["minOf", "smallest", "least"],
    comment: "Returns the smallest number in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  let best = xs[0];\n  for (const x of xs) if (x < best) best = x;\n  return best;\n}\n",
    impl: (xs: number[]) => Math.min(...xs),
    inputs: NUMS.slice(1, 4).map((x) => [x]),
  }),
  "count-above": (k) => ({
    names: [`countAbove${capWord(k)}`, `countOver${capWord(k)}`],
    comment: `Returns how many numbers in xs are greater than ${k}.`,
    signature: "(xs: number[]): number",
    body: `  let n = 0;\n  for (const x of xs) if (x > ${k}) n++;\n  return n;\n}\n`,
    impl: (xs: number[]) => xs.filter((x) => x > k).length,
    inputs: [[[1, 5, 9, 12]], [[]], [[k, k + 1, k - 1, 20]]],
  }),
  reverse: () => ({
    names: ["reverseString", "reversed", "backwards"],
    comment: "Returns the string s reversed.",
    signature: "(s: string): string",
    body: '  let out = "";\n  for (const c of s) out = c + out;\n  return out;\n}\n',
    impl: (s: string) => [...s].reverse().join(""),
    inputs: [["hello"], [""], ["abc"]],
  }),
  vowels: () => ({
    names: ["countVowels", "vowelCount", "numVowels"],
    comment: "Returns how many vowels (a, e, i, o, u) are in s.",
    signature: "(s: string): number",
    body: '  let n = 0;\n  for (const c of s) if ("aeiou".includes(c)) n++;\n  return n;\n}\n',
    impl: (s: string) => [...s].filter((c) => "aeiou".includes(c)).length,
    inputs: [["hello"], ["banana"], ["xyz"]],
  }),
  "count-letter": (k) => {
    const c = "abcdefghijklm"[k];
    return {
      names: [`count${c.toUpperCase()}`, `countLetter${c.toUpperCase()}`],
      comment: `Returns how many times the letter ${c} appears in s.`,
      signature: "(s: string): number",
      body: `  let n = 0;\n  for (const c of s) if (c === "${c}") n++;\n  return n;\n}\n`,
      impl: (s: string) => [...s].filter((x) => x === c).length,
      inputs: [[`${c}b${c}`], ["banana"], [""]],
    };
  },
  even: () => ({
    names: ["isEven", "even", "evenNumber"],
    comment: "Returns true when n is even.",
    signature: "(n: number): boolean",
    body: "  return n % 2 === 0;\n}\n",
    impl: (n: number) => n % 2 === 0,
    inputs: [[4], [7], [0]],
  }),
  odd: () => ({
    names: ["isOdd", "odd", "oddNumber"],
    comment: "Returns true when n is odd.",
    signature: "(n: number): boolean",
    body: "  return n % 2 !== 0;\n}\n",
    impl: (n: number) => n % 2 !== 0,
    inputs: [[4], [7], [1]],
  }),
  "add-k": (k) => ({
    names: [`add${capWord(k)}`, `plus${capWord(k)}`],
    comment: `Returns x plus ${k}.`,
    signature: "(x: number): number",
    body: `  return x + ${k};\n}\n`,
    impl: (x: number) => x + k,
    inputs: [[1], [10], [-4]],
  }),
  "times-k": (k) => ({
    names: [`times${capWord(k)}`, `multiplyBy${capWord(k)}`],
    comment: `Returns x times ${k}.`,
    signature: "(x: number): number",
    body: `  return x * ${k};\n}\n`,
    impl: (x: number) => x * k,
    inputs: [[1], [3], [0]],
  }),
  "minus-k": (k) => ({
    names: [`minus${capWord(k)}`, `subtract${capWord(k)}`],
    comment: `Returns x minus ${k}.`,
    signature: "(x: number): number",
    body: `  return x - ${k};\n}\n`,
    impl: (x: number) => x - k,
    inputs: [[20], [k], [0]],
  }),
  "scale-all": (k) => ({
    names: [`scaleBy${capWord(k)}`, `multiplyEachBy${capWord(k)}`],
    comment: `Returns a new list with every number in xs multiplied by ${k}.`,
    signature: "(xs: number[]): number[]",
    body:
      `  const out: number[] = [];\n  for (const x of xs) out.push(x * ${k});\n  return out;\n}\n`,
    impl: (xs: number[]) => xs.map((x) => x * k),
    inputs: [[[1, 2, 3]], [[]], [[0, -1]]],
  }),
  square: () => ({
    names: ["square", "squared", "sq"],
    comment: "Returns x times x.",
    signature: "(x: number): number",
    body: "  return x * x;\n}\n",
    impl: (x: number) => x * x,
    inputs: [[3], [0], [-4]],
  }),
  "keep-even": () => ({
    names: ["keepEven", "evensOnly", "filterEven"],
    comment: "Returns the even numbers of xs, in order.",
    signature: "(xs: number[]): number[]",
    body:
      "  const out: number[] = [];\n  for (const x of xs) if (x % 2 === 0) out.push(x);\n  return out;\n}\n",
    impl: (xs: number[]) => xs.filter((x) => x % 2 === 0),
    inputs: NUMS.slice(0, 3).map((x) => [x]),
  }),
  repeat: () => ({
    names: ["repeatString", "repeatText", "copies"],
    comment: "Returns s repeated n times.",
    signature: "(s: string, n: number): string",
    body: '  let out = "";\n  for (let i = 0; i < n; i++) out += s;\n  return out;\n}\n',
    impl: (s: string, n: number) => s.repeat(n),
    inputs: [["ab", 3], ["x", 0], ["hi", 1]],
  }),
  first: () => ({
    names: ["first", "head", "firstItem"],
    comment: "Returns the first number in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  return xs[0];\n}\n",
    impl: (xs: number[]) => xs[0],
    inputs: NUMS.slice(0, 3).map((x) => [x]),
  }),
  last: () => ({
    names: ["last", "lastItem", "final"],
    comment: "Returns the last number in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  return xs[xs.length - 1];\n}\n",
    impl: (xs: number[]) => xs[xs.length - 1],
    inputs: NUMS.slice(1, 4).map((x) => [x]),
  }),
  capitalize: () => ({
    names: ["capitalize", "capFirst", "upperFirst"],
    comment: "Returns s with its first letter in upper case.",
    signature: "(s: string): string",
    body: '  if (s === "") return s;\n  return s[0].toUpperCase() + s.slice(1);\n}\n',
    impl: (s: string) => s === "" ? s : s[0].toUpperCase() + s.slice(1),
    inputs: [["hello"], [""], ["toy world"]],
  }),
  palindrome: () => ({
    names: ["isPalindrome", "palindrome", "readsSame"],
    comment: "Returns true when s reads the same forwards and backwards.",
    signature: "(s: string): boolean",
    body: '  return s === s.split("").reverse().join("");\n}\n',
    impl: (s: string) => s === [...s].reverse().join(""),
    inputs: [["level"], ["hello"], [""]],
  }),
  factorial: () => ({
    names: ["factorial", "fact", "productUpTo"],
    comment: "Returns the product 1 * 2 * ... * n (1 when n is 0).",
    signature: "(n: number): number",
    body: "  let p = 1;\n  for (let i = 2; i <= n; i++) p *= i;\n  return p;\n}\n",
    impl: (n: number) => Array.from({ length: n }, (_, i) => i + 1).reduce((a, b) => a * b, 1),
    inputs: [[0], [4], [6]],
  }),
  average: () => ({
    names: ["average", "mean", "averageOf"],
    comment: "Returns the average of the numbers in xs (xs is not empty).",
    signature: "(xs: number[]): number",
    body: "  let total = 0;\n  for (const x of xs) total += x;\n  return total / xs.length;\n}\n",
    impl: (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length,
    inputs: [[[1, 2, 3]], [[4, 0, 7, 1]], [[5]]],
  }),
  words: () => ({
    names: ["countWords", "wordCount", "numWords"],
    comment: "Returns how many words are in s (words are separated by single spaces).",
    signature: "(s: string): number",
    body: '  if (s === "") return 0;\n  return s.split(" ").length;\n}\n',
    impl: (s: string) => s === "" ? 0 : s.split(" ").length,
    inputs: [["toy world"], [""], ["a b c d"]],
  }),
  "abs-diff": () => ({
    names: ["absDiff", "distance", "gap"],
    comment: "Returns the absolute difference of a and b.",
    signature: "(a: number, b: number): number",
    body: "  return a > b ? a - b : b - a;\n}\n",
    impl: (a: number, b: number) => Math.abs(a - b),
    inputs: [[3, 10], [10, 3], [5, 5]],
  }),
};
