/**
 * The vocabulary of the toy open-ended world: the topics people talk about (each with the
 * facts a good answer states), the names and things of the word problems, and small helpers
 * every generator shares (picking, capitalising, held-out splits).
 *
 * Everything here is plain data; the generators in this folder are pure functions of a seed.
 *
 * @module
 */

import type { Rng } from "../../lib/util/rng.ts";

/** One topic of the toy world and what is true of it (all names are plural nouns). */
export interface Topic {
  /** The topic as a plural noun phrase: `apples`, `owls`, `old bridges`. */
  name: string;
  /** What kind of thing it is: `fruit`, `bird`, `tool`. */
  kind: string;
  /** Where it is found: `on trees`. */
  where: string;
  /** Its usual colour: `red or green`. */
  color: string;
  /** What people use it for: `eating and baking`. */
  use: string;
  /** A plain adjective: `crisp and sweet`. */
  trait: string;
  /** One more fact, a whole sentence. */
  extra: string;
}

/**
 * The toy world's topics, one row each: `name|kind|where|color|use|trait|extra` (the
 * open-ended prompts and the forum threads are about these).
 */
const TOPIC_ROWS: readonly string[] = [
  "apples|fruit|on trees in orchards|red or green|eating and baking|crisp and sweet|An apple a day is an old saying.",
  "pears|fruit|on trees in orchards|green or yellow|eating and making jam|soft and juicy|Pears ripen best off the tree.",
  "bananas|fruit|on tall plants in warm places|yellow|quick snacks|soft and sweet|Bananas grow in bunches called hands.",
  "carrots|vegetable|under the ground in gardens|orange|soups and salads|crunchy|Rabbits in stories love carrots.",
  "tomatoes|fruit|on vines in gardens|red|sauces and salads|juicy|Tomatoes need a lot of sun.",
  "owls|bird|in forests and old barns|brown or grey|keeping mice away from farms|quiet and patient|Owls hunt at night.",
  "ducks|bird|on ponds and rivers|brown, white or green|eggs and feathers|noisy and friendly|Ducks have waterproof feathers.",
  "bees|insect|in hives and meadows|yellow and black|making honey|busy|Bees carry pollen from flower to flower.",
  "cats|pet|in many homes|black, white, grey or orange|company and catching mice|curious|Cats sleep for most of the day.",
  "dogs|pet|in many homes|brown, black or white|company and guarding houses|loyal|Dogs can learn many words.",
  "horses|farm animal|on farms and in fields|brown, black or white|riding and pulling carts|strong|Horses can sleep standing up.",
  "goats|farm animal|on farms and hills|white or brown|milk and cheese|clever and stubborn|Goats are good at climbing.",
  "hammers|tool|in toolboxes and workshops|grey and brown|driving nails into wood|heavy|A hammer has a head and a handle.",
  "saws|tool|in toolboxes and workshops|silver|cutting wood|sharp|A saw has a row of teeth.",
  "ladders|tool|in sheds and garages|silver or brown|reaching high places|tall|A ladder should stand on firm ground.",
  "bicycles|vehicle|on roads and paths|many colours|riding to work and school|light and quiet|A bicycle has two wheels and a chain.",
  "trains|vehicle|on railway tracks|many colours|carrying people and goods far away|long and fast|Trains stop at stations.",
  "boats|vehicle|on lakes, rivers and the sea|white or blue|fishing and travel on water|steady|Small boats are moved with oars.",
  "rivers|place|in valleys between hills|blue or brown|water, fishing and travel|long and moving|Rivers flow down to the sea.",
  "mountains|place|in high and cold regions|grey and white|hiking and skiing|tall and rocky|Snow stays on the highest mountains all year.",
  "forests|place|where many trees grow close together|green|wood and walks|shady and calm|Forests are home to many animals.",
  "markets|place|in towns and villages|bright with many colours|buying and selling food|busy and loud|Many markets open early in the morning.",
  "libraries|place|in towns and schools|quiet and warm in colour|reading and borrowing books|quiet|A library card lets you borrow books.",
  "gardens|place|behind houses and in parks|green with bright flowers|growing food and flowers|calm|Gardens need water and care.",
  "lighthouses|building|on rocky coasts|white and red|guiding ships at night|tall|A lighthouse has a bright lamp at the top.",
  "bridges|building|over rivers and roads|grey|crossing water and valleys|strong|Some bridges are made of stone.",
  "lanterns|object|in camps and old houses|gold or black|giving light in the dark|warm and glowing|Old lanterns burned oil.",
  "maps|object|in cars, books and phones|many colours|finding the way|useful|A map shows north at the top.",
  "clocks|object|on walls and towers|many colours|telling the time|ticking|A clock has an hour hand and a minute hand.",
  "kites|toy|in parks on windy days|bright colours|play and fun|light|A kite needs wind to fly.",
  "drums|instrument|in bands and music rooms|red, blue or wood brown|keeping the beat in music|loud|Drums are played with sticks or hands.",
  "violins|instrument|in orchestras|wood brown|playing music|gentle|A violin has four strings.",
  "raincoats|clothing|in closets and on hooks by the door|yellow or blue|staying dry in the rain|waterproof|A raincoat often has a hood.",
  "boots|clothing|by the door|black or brown|walking in mud and snow|tough|Good boots keep your feet warm.",
  "bread rolls|food|in bakeries and kitchens|golden brown|sandwiches and breakfast|soft inside|Bread is made from flour, water and yeast.",
  "soups|food|in kitchens and cafes|many colours|warm meals on cold days|warm|Soup is often served in a bowl.",
  "snowflakes|weather|in cold places in winter|white|skiing and building snowmen|cold and soft|Every snowflake has six sides.",
  "storms|weather|over land and sea|dark grey|watering fields and filling rivers|loud and windy|Thunder follows lightning in a storm.",
  "candles|object|on tables and in windows|white or cream|light and a warm smell|soft and glowing|A candle is made of wax and a wick.",
  "shells|object|on beaches|white, pink or brown|collecting and decoration|hard and smooth|Shells once were homes of sea animals.",
];

/** The toy world's topics (the open-ended prompts and the forum threads are about these). */
export const TOPICS: readonly Topic[] = TOPIC_ROWS.map((row, i) => {
  const f = row.split("|");
  if (f.length !== 7) throw new Error(`TOPIC_ROWS[${i}]: expected 7 fields, got ${f.length}`);
  const [name, kind, where, color, use, trait, extra] = f;
  return { name, kind, where, color, use, trait, extra };
});

/** People in the word problems, with their pronoun. */
export const PEOPLE: readonly { name: string; pronoun: "He" | "She" }[] = [
  { name: "Mia", pronoun: "She" },
  { name: "Tom", pronoun: "He" },
  { name: "Sam", pronoun: "He" },
  { name: "Lena", pronoun: "She" },
  { name: "Ravi", pronoun: "He" },
  { name: "Ana", pronoun: "She" },
  { name: "Omar", pronoun: "He" },
  { name: "Ella", pronoun: "She" },
  { name: "Ben", pronoun: "He" },
  { name: "Zoe", pronoun: "She" },
  { name: "Ivan", pronoun: "He" },
  { name: "Nora", pronoun: "She" },
];

/** Things the word problems count (plural nouns). */
export const THINGS: readonly string[] = [
  "apples",
  "marbles",
  "stickers",
  "books",
  "coins",
  "pencils",
  "shells",
  "cookies",
  "stamps",
  "eggs",
  "cards",
  "beads",
];

/**
 * Capitalises the first letter.
 *
 * @param s the text
 * @returns `s` with its first character upper-cased
 */
export function cap(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}

/**
 * Picks one item uniformly.
 *
 * @param rng the generator
 * @param items a non-empty list
 * @returns one of `items`
 */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/**
 * A uniform integer in [lo, hi].
 *
 * @param rng the generator
 * @param lo the smallest value
 * @param hi the largest value (>= lo)
 * @returns the integer
 */
export function between(rng: Rng, lo: number, hi: number): number {
  return lo + rng.int(hi - lo + 1);
}

/**
 * Splits items into a train and a held-out part after a seeded shuffle (the input is left
 * unchanged).
 *
 * @param rng the generator
 * @param items the items
 * @param heldOut how many go to the held-out part
 * @returns `{train, val}`, disjoint, together all of `items`
 */
export function splitHeldOut<T>(
  rng: Rng,
  items: readonly T[],
  heldOut: number,
): { train: T[]; val: T[] } {
  const shuffled = rng.shuffle([...items]);
  const n = Math.min(Math.max(0, Math.round(heldOut)), shuffled.length);
  return { train: shuffled.slice(n), val: shuffled.slice(0, n) };
}

/** The seed the toy evaluation suites are generated with (independent of any run's seed). */
export const TOY_EVAL_SEED = 20_260_515;
