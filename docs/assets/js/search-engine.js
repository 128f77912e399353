// Query understanding on top of Pagefind.
//
// Pagefind stems Portuguese, folds accents and matches word prefixes, but it
// needs every word of a query, finds nothing for a typo and stems "-ção" and
// "-ções" apart. Customers type questions, chat spellings, synonyms and
// typos, so each content word of a query is a slot searched on its own (with
// its singular/plural twin), and a page is ranked by how much of the query's
// meaning it covers: a word that occurs in few articles weighs more than one
// that occurs in most. Only when the first pages leave a word uncovered is
// that word widened: corrected against the site's vocabulary (a weighted
// Damerau distance on an ABNT2 keyboard), and searched as its other forms and
// related words from the lexicon, at a discount. Widening runs only then, so a
// query the index answers outright downloads nothing more.

const STOPWORDS = new Set(`
  a o as os um uma uns umas de da do das dos em no na nos nas num numa
  para pra pro por pelo pela pelos pelas com sem sob sobre ao aos
  que quando como onde qual quais quem porque e ou mas se ja nao sim
  eu ele ela eles elas voce voces me te lhe meu minha meus minhas seu sua seus suas
  nosso nossa este esta estes estas esse essa esses essas isso isto aquele aquela
  ser estar estou esta estao era foi ter tem tenho tinha fazer faco faz fiz
  quer querem queria gostaria posso pode podem consigo consegue conseguem conseguimos preciso quero devo deve ha
  mais muito muita tudo todo toda todos todas algum alguma apos depois antes ainda so
  the an of to in on for with how what when where why is are do does can my i
`.split(/\s+/).filter(Boolean));

// Singular and plural endings that the stemmer keeps apart once accents are folded.
const PLURALS = [
  ["coes", "cao"], ["oes", "ao"], ["aes", "ao"], ["ais", "al"], ["eis", "el"], ["ois", "ol"],
];

// What a page's match on a slot is worth, by how the word was reached.
// "partial": the word is not in the index, and Pagefind answered for the
// longest start of it that is ("pasi" -> "pa..."), so the match may be chance.
const WEIGHTS = { typed: 1, form: 0.9, corrected: 0.85, related: 0.6, partial: 0.45 };
// A page that matches the query's words strongly (in its title) may outrank
// one that has every word in passing: ranked by coverage plus this share of strength.
const STRENGTH = 0.5;
// The first pages that must cover every slot before no slot is widened.
const SETTLED_PAGES = 3;
// Below this share of the query's meaning matched as typed or corrected, the top page is only a guess.
const GUESS_BELOW = 0.5;
const MIN_CORRECTED = 4;
// A word found in this few articles may be a typo that happens to be a word.
const RARE_ARTICLES = 2;
const COMMONER = 10;

/** Lowercase, accents and ordinals folded: "2ª Via" -> "2a via", "Configuração" -> "configuracao".
 *  The same three steps as the Python side's fold (functions/tickets/text.py). */
export function fold(text) {
  return text.normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase();
}

/** The words of a folded text; "nf-e" stays one word. */
export function words(folded) {
  return folded.match(/[a-z0-9]+(?:-[a-z0-9]+)*/g) || [];
}

/**
 * Chat spellings that stand for function words in their standard form
 * ("vc" -> "voce", "kd" -> "onde esta"), fillers dropped. One that stands for
 * a content word ("app", "config") stays, as articles may use it too: its
 * slot searches both (see spokenMeaning).
 */
export function unspoken(folded, spoken) {
  return words(folded)
    .map((word) => (word in spoken && !spokenMeaning(word, spoken) ? spoken[word] : word))
    .filter(Boolean)
    .join(" ");
}

/** The content word a chat spelling stands for ("app" -> "aplicativo"); "" for others. */
export function spokenMeaning(word, spoken) {
  const meaning = spoken[word] || "";
  return /^[a-z0-9]+$/.test(meaning) && !STOPWORDS.has(meaning) ? meaning : "";
}

/** The words that say what the query is about; all of them if every one is a stopword. */
export function contentWords(folded) {
  const all = words(folded);
  const kept = all.filter((w) => !STOPWORDS.has(w) && (w.length > 2 || /\d/.test(w)));
  return kept.length ? kept : all;
}

/** The query as typed, then with each phrase synonym replaced by what articles say. */
export function queryVariants(folded, synonyms) {
  const variants = [folded];
  const keys = Object.keys(synonyms).sort((a, b) => b.length - a.length);
  for (const key of keys) {
    const pattern = new RegExp(`(^|[^a-z0-9])${escapeRegExp(key)}(?![a-z0-9])`, "g");
    for (const variant of [...variants]) {
      if (!pattern.test(variant)) continue;
      for (const replacement of synonyms[key]) {
        variants.push(variant.replace(pattern, (_, before) => `${before}${replacement}`));
      }
      pattern.lastIndex = 0;
    }
  }
  return [...new Set(variants)];
}

/** The word and its singular or plural twin: "integracoes" -> ["integracoes", "integracao"]. */
export function numberVariants(word) {
  const variants = [word];
  for (const [plural, singular] of PLURALS) {
    if (word.endsWith(plural) && word.length > plural.length + 2) {
      variants.push(word.slice(0, -plural.length) + singular);
      break;
    }
    if (word.endsWith(singular) && word.length > singular.length + 2) {
      variants.push(word.slice(0, -singular.length) + plural);
      break;
    }
  }
  return variants;
}

// A Brazilian ABNT2 keyboard's letter rows, each offset as the keys are staggered.
const ROWS = [
  ["qwertyuiop", 0],
  ["asdfghjkl", 0.25],
  ["zxcvbnm", 0.75],
];
const KEYS = new Map(ROWS.flatMap(([row, offset], y) => [...row].map((key, x) => [key, [x + offset, y]])));

/** Whether two letters sit side by side (or diagonally) on the keyboard. */
export function neighbours(a, b) {
  const p = KEYS.get(a);
  const q = KEYS.get(b);
  return Boolean(p && q && a !== b && Math.hypot(p[0] - q[0], p[1] - q[1]) < 1.3);
}

const COST = { edit: 1, neighbour: 0.5, doubled: 0.5, swap: 0.7 };

/**
 * How far a typed word is from a known one: insertions, deletions,
 * substitutions and transpositions of neighbours (optimal string alignment),
 * a neighbouring key or a doubled letter costing less than any other slip.
 * Accents are folded before, so a missing accent costs nothing. Gives up
 * (returns more than `limit`) once every alignment is beyond it.
 */
export function typingDistance(typed, known, limit) {
  if (Math.abs(typed.length - known.length) * COST.doubled > limit) return limit + 1;
  const extra = (word, i) => (i > 0 && word[i] === word[i - 1]) || word[i] === word[i + 1] ? COST.doubled : COST.edit;
  let previous2 = null;
  let previous = [0];
  for (let j = 1; j <= known.length; j++) previous.push(previous[j - 1] + extra(known, j - 1));
  for (let i = 1; i <= typed.length; i++) {
    const current = [previous[0] + extra(typed, i - 1)];
    let best = current[0];
    for (let j = 1; j <= known.length; j++) {
      const a = typed[i - 1];
      const b = known[j - 1];
      const substitution = a === b ? 0 : neighbours(a, b) ? COST.neighbour : COST.edit;
      let value = Math.min(
        previous[j] + extra(typed, i - 1),
        current[j - 1] + extra(known, j - 1),
        previous[j - 1] + substitution,
      );
      if (previous2 && i > 1 && j > 1 && a === known[j - 2] && typed[i - 2] === b) {
        value = Math.min(value, previous2[j - 2] + COST.swap);
      }
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous2 = previous;
    previous = current;
  }
  return previous[known.length];
}

/** How many slips a word of this length may hold and still be corrected. */
function slipsAllowed(word) {
  if (word.length <= 4) return 1;
  if (word.length <= 7) return 1.5;
  return 2;
}

/** The known words nearest a typed one, nearest first and the commonest on ties; at most two. */
export function closestWords(word, vocabulary) {
  const limit = slipsAllowed(word);
  const found = [];
  for (const [candidate, count] of Object.entries(vocabulary)) {
    if (candidate === word) continue;
    const distance = typingDistance(word, candidate, limit);
    if (distance <= limit) found.push({ word: candidate, distance, count });
  }
  found.sort((a, b) => a.distance - b.distance || b.count - a.count);
  return found.filter((c) => c.distance <= found[0].distance + 0.25).slice(0, 2);
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A SearchEngine over the site's Pagefind index, loading nothing before it is called.
 * `siteRoot` is the site's root URL; every search file is fetched from there.
 */
export async function loadSearch(siteRoot) {
  const fetchJson = async (path) => {
    const response = await fetch(new URL(path, siteRoot));
    if (!response.ok) throw new Error(`${response.status} ${path}`);
    return response.json();
  };
  const terms = fetchJson("_kb/search/terms.json").catch(() => ({}));
  const pagefind = await import(new URL("pagefind/pagefind.js", siteRoot).href);
  // Measured (BENCHMARKS.md): on the main thread Pagefind starts in half the
  // time, and the worker's script is not downloaded. A query's work is small.
  await pagefind.options({ baseUrl: new URL(siteRoot).pathname, excerptLength: 0, noWorker: true });
  await pagefind.init();
  return new SearchEngine(pagefind, await terms, fetchJson);
}

/**
 * Searches a Pagefind index the way customers type.
 * `terms` is the build's _kb/search/terms.json (src/kbdesk/search.py): how
 * many articles there are, the phrase synonyms, each word's other forms and
 * related words, the chat spellings, and which vocabulary files there are;
 * `fetchJson(path)` loads the vocabulary files for typo correction.
 */
export class SearchEngine {
  constructor(pagefind, terms, fetchJson) {
    this.pagefind = pagefind;
    this.articles = terms.articles || 1;
    this.synonyms = terms.synonyms || {};
    this.forms = terms.forms || {};
    this.related = terms.related || {};
    this.spoken = terms.spoken || {};
    this.vocabularyFiles = new Set(terms.vocabulary || []);
    this.fetchJson = fetchJson;
    this.hitsCache = new Map();
    this.indexedCache = new Map();
    this.vocabularies = new Map();
  }

  /**
   * Ranked pages for a query: { results: [{id, score, data()}], mode, shownQuery }.
   * mode is "all" (the top page has every word, as typed or in another form),
   * "corrected" (every word once typos are fixed; shownQuery says how),
   * "close" (no page has every word; these have the most of what matters),
   * "guess" (little of the query matched: offered, not claimed) or "none".
   */
  async search(query, filters = {}) {
    const folded = unspoken(fold(query).trim(), this.spoken);
    if (!folded) return { results: [], mode: "none", shownQuery: "" };
    const variants = queryVariants(folded, this.synonyms).map(contentWords);
    const typed = new Set(words(folded));
    const ranked = await Promise.all(variants.map((terms) => this.rankVariant(terms, filters, typed)));
    const best = new Map();
    for (const pages of ranked) {
      for (const page of pages) {
        if (!best.has(page.id) || best.get(page.id).score < page.score) best.set(page.id, page);
      }
    }
    const results = [...best.values()].sort((a, b) => b.score - a.score);
    if (!results.length) return { results, mode: "none", shownQuery: query };
    return { results, ...describe(results[0], query) };
  }

  /** The pages for one variant's words, widening the words the first pages leave uncovered. */
  async rankVariant(terms, filters, typed) {
    const slots = await Promise.all(terms.map((term) => (typed.has(term) ? this.slot(term) : synonymSlot(term))));
    let pages = await this.rank(slots, filters);
    const uncovered = slots.filter((slot, i) => !pages.slice(0, SETTLED_PAGES).every((p) => p.matches[i]));
    const unknown = slots.some((slot) => !slot.indexed);
    if (uncovered.length || unknown || pages.length < SETTLED_PAGES) {
      const widened = await Promise.all(slots.map((slot) => this.widen(slot, filters, uncovered.includes(slot))));
      if (widened.some(Boolean)) pages = await this.rank(slots, filters);
    }
    return pages;
  }

  /** A query word's slot: whether the site has the word, and the words it is searched as. */
  async slot(term) {
    const indexed = await this.isIndexed(term);
    const alternatives = new Map([[term, indexed ? "typed" : "partial"]]);
    const meaning = spokenMeaning(term, this.spoken);
    if (meaning) alternatives.set(meaning, "typed");
    return { term, indexed: indexed || Boolean(meaning), alternatives };
  }

  /**
   * Adds to a slot the words a customer may have meant: corrections when the
   * word is unknown (or known but rare beside a common near twin), and,
   * when no first page covers it, its other forms and related words.
   * Whether anything was added.
   */
  async widen(slot, filters, uncovered) {
    const { term, indexed } = slot;
    const before = slot.alternatives.size;
    const known = term in this.forms || term in this.related;
    const { pages, df } = await this.hits(term, filters);
    if (!known && (!indexed || pages.size === 0 || df <= RARE_ARTICLES)) {
      const vocabulary = await this.vocabulary(term);
      for (const candidate of await this.corrections(term, vocabulary)) {
        if (indexed && pages.size && candidate.count < COMMONER * (vocabulary[term] || 1)) continue;
        slot.alternatives.set(candidate.word, "corrected");
      }
    }
    if (uncovered || !indexed || pages.size === 0) {
      for (const form of this.forms[term] || []) addNew(slot, form, "form");
      for (const word of this.related[term] || []) addNew(slot, word, "related");
    }
    return slot.alternatives.size > before;
  }

  /**
   * Every page matching any slot, scored by the share of the query's meaning
   * it covers (each slot weighted by how few articles have it, times how the
   * word was reached) plus a share of how strongly it matches.
   */
  async rank(slots, filters) {
    const found = await Promise.all(slots.map((slot) => this.slotHits(slot, filters)));
    const importance = found.map(({ df }) => idf(df, this.articles));
    const total = importance.reduce((sum, value) => sum + value, 0) || 1;
    const pages = new Map();
    found.forEach(({ pages: slotPages, strongest }, i) => {
      for (const [id, hit] of slotPages) {
        const page = pages.get(id) || { id, coverage: 0, strength: 0, matches: slots.map(() => null), data: hit.data };
        page.coverage += (importance[i] * WEIGHTS[hit.how]) / total;
        page.strength += (importance[i] * WEIGHTS[hit.how] * hit.score) / strongest / total;
        page.matches[i] = hit;
        pages.set(id, page);
      }
    });
    for (const page of pages.values()) page.score = page.coverage + STRENGTH * page.strength;
    return [...pages.values()].sort((a, b) => b.score - a.score);
  }

  /** A slot's pages, each with its best-weighted word; df is the slot's own word's article count. */
  async slotHits(slot, filters) {
    const pages = new Map();
    let df = 0;
    let dfOfOthers = 0;
    let strongest = 0;
    const alternatives = [...slot.alternatives];
    const everyFound = await Promise.all(alternatives.map(([word]) => this.hits(word, filters)));
    for (const [i, [word, how]] of alternatives.entries()) {
      const found = everyFound[i];
      // A slot weighs as rare as the word meant; its other forms, related words
      // and chance prefixes say how rare only when nothing else does.
      if (how === "typed" || how === "corrected") df = Math.max(df, found.df);
      else dfOfOthers = Math.max(dfOfOthers, found.df);
      for (const [id, hit] of found.pages) {
        const known = pages.get(id);
        const value = WEIGHTS[how] * hit.score;
        if (!known || WEIGHTS[known.how] * known.score < value) {
          pages.set(id, { word, how, score: hit.score, data: () => hit.result.data() });
        }
        strongest = Math.max(strongest, hit.score);
      }
    }
    return { pages, df: df || dfOfOthers, strongest: strongest || 1 };
  }

  /**
   * Whether the site has the word (or its singular/plural twin) in any form
   * Pagefind matches. Asked for a word it lacks, Pagefind answers for the
   * longest start of it that it has ("pasi" -> "passo"); asked for the word
   * as a phrase, it does not. The index chunk is the same, so this costs no download.
   */
  isIndexed(term) {
    if (!this.indexedCache.has(term)) {
      const found = Promise.all(numberVariants(term).map((v) => this.pagefind.search(`"${v}"`)));
      this.indexedCache.set(term, found.then((responses) => responses.some((r) => r.results.length > 0)));
    }
    return this.indexedCache.get(term);
  }

  /** Pages that have a word or its singular/plural twin, and how many articles have it. */
  async hits(word, filters) {
    const key = `${word}\u0000${JSON.stringify(filters)}`;
    if (!this.hitsCache.has(key)) this.hitsCache.set(key, this.lookUp(word, filters));
    return this.hitsCache.get(key);
  }

  async lookUp(word, filters) {
    const pages = new Map();
    let df = 0;
    const responses = await Promise.all(numberVariants(word).map((v) => this.pagefind.search(v, { filters })));
    for (const response of responses) {
      df = Math.max(df, response.unfilteredResultCount ?? response.results.length);
      for (const result of response.results) {
        const known = pages.get(result.id);
        if (!known || known.score < result.score) pages.set(result.id, { score: result.score, result });
      }
    }
    return { pages, df };
  }

  /** Known words near a typed one: first those of its own vocabulary file, else of the files a first-letter slip points to. */
  async corrections(word, vocabulary) {
    if (word.length < MIN_CORRECTED || !/^[a-z]/.test(word)) return [];
    const found = closestWords(word, vocabulary);
    if (found.length) return found;
    // "mipressora", "ompressora": the first letter swapped or mistyped.
    const firsts = new Set([word[1], ...[...KEYS.keys()].filter((key) => neighbours(key, word[0]))]);
    const others = await Promise.all([...firsts].filter((c) => /[a-z]/.test(c)).map((c) => this.vocabulary(c + word.slice(1))));
    return closestWords(word, Object.assign({}, ...others));
  }

  /** The vocabulary file a word's corrections are in: by its first letter, or first two where a letter has many words. */
  vocabulary(word) {
    const prefix = [word[0], word.slice(0, 2)].find((p) => this.vocabularyFiles.has(p));
    if (!prefix) return Promise.resolve({});
    if (!this.vocabularies.has(prefix)) {
      this.vocabularies.set(prefix, this.fetchJson(`_kb/search/vocabulary/${prefix}.json`).catch(() => ({})));
    }
    return this.vocabularies.get(prefix);
  }
}

/** A word a phrase synonym put in the query: what the customer meant, at a related word's discount. */
function synonymSlot(term) {
  return { term, indexed: true, alternatives: new Map([[term, "related"]]) };
}

function addNew(slot, word, how) {
  if (!slot.alternatives.has(word)) slot.alternatives.set(word, how);
}

/** Inverse document frequency, Okapi BM25's: a word in every article weighs almost nothing. */
function idf(df, articles) {
  const present = Math.min(Math.max(df, 0), articles);
  return Math.log(1 + (articles - present + 0.5) / (present + 0.5));
}

/** How the top page answers the query, for the notice above the results. */
function describe(top, query) {
  const reached = top.matches.map((hit) => hit && hit.how);
  if (top.coverage < GUESS_BELOW) return { mode: "guess", shownQuery: query };
  if (reached.every((how) => how && how !== "corrected")) return { mode: "all", shownQuery: query };
  if (reached.every(Boolean)) return { mode: "corrected", shownQuery: top.matches.map((hit) => hit.word).join(" ") };
  return { mode: "close", shownQuery: query };
}
