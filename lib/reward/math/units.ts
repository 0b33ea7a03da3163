/**
 * The unit words Qwen2.5-Math's `strip_string` removes from answers (its `unit_texts`, "mainly
 * from MathQA"), in its order, each followed later by its plural (`+ "s"`). Kept verbatim,
 * typos included ("m sqaure"), because verdicts must agree with the reference; entries are
 * regular-expression sources exactly as Python uses them (so `.` matches any character).
 *
 * Source: QwenLM/Qwen2.5-Math `evaluation/parser.py` @a45202bd16f1.
 *
 * @module
 */

// deno-fmt-ignore
const BASE: readonly string[] = [
  "east", "degree", "mph", "kmph", "ft", "m sqaure", " m east", "sq m", "deg", "mile", "q .",
  "monkey", "prime", "ratio", "profit of rs", "rd", "o", "gm", "p . m", "lb", "tile", "per",
  "dm", "lt", "gain", "ab", "way", "west", "a .", "b .", "c .", "d .", "e .", "f .", "g .",
  "h .", "t", "a", "h", "no change", "men", "soldier", "pie", "bc", "excess", "st", "inches",
  "noon", "percent", "by", "gal", "kmh", "c", "acre", "rise", "a . m", "th", "π r 2", "sq",
  "mark", "l", "toy", "coin", "sq . m", "gallon", "° f", "profit", "minw", "yr", "women", "feet",
  "am", "pm", "hr", "cu cm", "square", "v â € ™", "are", "rupee", "rounds", "cubic", "cc", "mtr",
  "s", "ohm", "number", "kmph", "day", "hour", "minute", "min", "second", "man", "woman", "sec",
  "cube", "mt", "sq inch", "mp", "∏ cm ³", "hectare", "more", "sec", "unit", "cu . m", "cm 2",
  "rs .", "rs", "kg", "g", "month", "km", "m", "cm", "mm", "apple", "liter", "loss", "yard",
  "pure", "year", "increase", "decrease", "d", "less", "Surface", "litre", "pi sq m", "s .",
  "metre", "meter", "inch",
];

/** The unit texts in the order `strip_string` tries them: the list, then every entry + "s". */
export const UNIT_TEXTS: readonly string[] = [...BASE, ...BASE.map((u) => u + "s")];
