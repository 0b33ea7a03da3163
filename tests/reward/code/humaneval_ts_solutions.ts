/**
 * Hand-written reference completions for 24 of the 159 HumanEval-TS tasks (the MultiPL-E
 * data has no canonical solutions), each with a deliberately buggy variant. A completion
 * continues the prompt, which ends with the function's signature line.
 *
 * @module
 */

/** A correct completion and a wrong one for one task. */
export interface TsReference {
  /** The correct function body and closing brace. */
  good: string;
  /** The same with a bug that the task's tests catch. */
  bad: string;
}

/** References by MultiPL-E task name. */
export const TS_REFERENCES: Record<string, TsReference> = {
  HumanEval_23_strlen: {
    good: "  return string.length;\n}\n",
    bad: "  return string.trim().length + 1;\n}\n",
  },
  HumanEval_53_add: {
    good: "  return x + y;\n}\n",
    bad: "  return x - y;\n}\n",
  },
  HumanEval_12_longest: {
    good: "  if (strings.length === 0) return undefined;\n  let best = strings[0];\n" +
      "  for (const s of strings) if (s.length > best.length) best = s;\n  return best;\n}\n",
    bad: "  if (strings.length === 0) return undefined;\n  let best = strings[0];\n" +
      "  for (const s of strings) if (s.length >= best.length) best = s;\n  return best;\n}\n",
  },
  HumanEval_8_sum_product: {
    good:
      "  let s = 0, p = 1;\n  for (const n of numbers) { s += n; p *= n; }\n  return [s, p];\n}\n",
    bad:
      "  let s = 0, p = 0;\n  for (const n of numbers) { s += n; p *= n; }\n  return [s, p];\n}\n",
  },
  HumanEval_3_below_zero: {
    good: "  let b = 0;\n  for (const op of operations) { b += op; if (b < 0) return true; }\n" +
      "  return false;\n}\n",
    bad: "  let b = 0;\n  for (const op of operations) { b += op; if (b <= 0) return true; }\n" +
      "  return false;\n}\n",
  },
  HumanEval_0_has_close_elements: {
    good: "  for (let i = 0; i < numbers.length; i++)\n" +
      "    for (let j = i + 1; j < numbers.length; j++)\n" +
      "      if (Math.abs(numbers[i] - numbers[j]) < threshold) return true;\n  return false;\n}\n",
    bad: "  for (let i = 0; i + 1 < numbers.length; i++)\n" +
      "    if (Math.abs(numbers[i] - numbers[i + 1]) < threshold) return true;\n  return false;\n}\n",
  },
  HumanEval_26_remove_duplicates: {
    good: "  const count = new Map<number, number>();\n" +
      "  for (const n of numbers) count.set(n, (count.get(n) ?? 0) + 1);\n" +
      "  return numbers.filter((n) => count.get(n) === 1);\n}\n",
    bad: "  return [...new Set(numbers)];\n}\n",
  },
  HumanEval_34_unique: {
    good: "  return [...new Set(l)].sort((a, b) => a - b);\n}\n",
    bad: "  return [...new Set(l)].sort();\n}\n",
  },
  HumanEval_35_max_element: {
    good: "  return Math.max(...l);\n}\n",
    bad: "  return l[l.length - 1];\n}\n",
  },
  HumanEval_55_fib: {
    good:
      "  let a = 0, b = 1;\n  for (let i = 0; i < n; i++) [a, b] = [b, a + b];\n  return a;\n}\n",
    bad:
      "  let a = 1, b = 1;\n  for (let i = 0; i < n; i++) [a, b] = [b, a + b];\n  return a;\n}\n",
  },
  HumanEval_13_greatest_common_divisor: {
    good: "  while (b !== 0) [a, b] = [b, a % b];\n  return a;\n}\n",
    bad: "  return Math.min(a, b);\n}\n",
  },
  HumanEval_27_flip_case: {
    good: "  return [...string].map((c) => c === c.toUpperCase() ? c.toLowerCase() : " +
      "c.toUpperCase()).join('');\n}\n",
    bad: "  return string.toUpperCase();\n}\n",
  },
  HumanEval_29_filter_by_prefix: {
    good: "  return strings.filter((s) => s.startsWith(prefix));\n}\n",
    bad: "  return strings.filter((s) => s.endsWith(prefix));\n}\n",
  },
  HumanEval_30_get_positive: {
    good: "  return l.filter((x) => x > 0);\n}\n",
    bad: "  return l.filter((x) => x >= 0);\n}\n",
  },
  HumanEval_31_is_prime: {
    good:
      "  if (n < 2) return false;\n  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false;\n" +
      "  return true;\n}\n",
    bad:
      "  if (n < 2) return false;\n  for (let i = 2; i < n / 2; i++) if (n % i === 0) return false;\n" +
      "  return true;\n}\n",
  },
  HumanEval_42_incr_list: {
    good: "  return l.map((x) => x + 1);\n}\n",
    bad: "  return l.map((x) => x + 1).reverse();\n}\n",
  },
  HumanEval_48_is_palindrome: {
    good: "  return text === [...text].reverse().join('');\n}\n",
    bad: "  return text.length % 2 === 1;\n}\n",
  },
  HumanEval_52_below_threshold: {
    good: "  return l.every((x) => x < t);\n}\n",
    bad: "  return l.every((x) => x <= t);\n}\n",
  },
  HumanEval_60_sum_to_n: {
    good: "  return (n * (n + 1)) / 2;\n}\n",
    bad: "  return (n * (n - 1)) / 2;\n}\n",
  },
  HumanEval_111_histogram: {
    good: "  const count: {[key: string]: number} = {};\n" +
      "  for (const w of test.split(' ')) if (w !== '') count[w] = (count[w] ?? 0) + 1;\n" +
      "  const top = Math.max(0, ...Object.values(count));\n" +
      "  const out: {[key: string]: number} = {};\n" +
      "  for (const [k, v] of Object.entries(count)) if (v === top) out[k] = v;\n  return out;\n}\n",
    bad: "  const count: {[key: string]: number} = {};\n" +
      "  for (const w of test.split(' ')) if (w !== '') count[w] = (count[w] ?? 0) + 1;\n" +
      "  return count;\n}\n",
  },
  HumanEval_136_largest_smallest_integers: {
    good: "  const neg = lst.filter((x) => x < 0), pos = lst.filter((x) => x > 0);\n" +
      "  return [neg.length ? Math.max(...neg) : undefined, pos.length ? Math.min(...pos) : undefined];\n}\n",
    bad: "  const neg = lst.filter((x) => x < 0), pos = lst.filter((x) => x > 0);\n" +
      "  return [neg.length ? Math.min(...neg) : undefined, pos.length ? Math.min(...pos) : undefined];\n}\n",
  },
  HumanEval_125_split_words: {
    good: "  if (/\\s/.test(txt)) return txt.split(/\\s+/);\n" +
      "  if (txt.includes(',')) return txt.split(',');\n" +
      "  return [...txt].filter((c) => c >= 'a' && c <= 'z' && (c.charCodeAt(0) - 97) % 2 === 1).length;\n}\n",
    bad: "  if (/\\s/.test(txt)) return txt.split(/\\s+/);\n" +
      "  return txt.split(',');\n}\n",
  },
  HumanEval_162_string_to_md5: {
    good: "  if (text === '') return undefined;\n" +
      "  return require('crypto').createHash('md5').update(text).digest('hex');\n}\n",
    bad: "  if (text === '') return undefined;\n" +
      "  return require('crypto').createHash('sha1').update(text).digest('hex');\n}\n",
  },
  HumanEval_2_truncate_number: {
    good: "  return number % 1.0;\n}\n",
    bad: "  return Math.round(number % 1.0);\n}\n",
  },
};
