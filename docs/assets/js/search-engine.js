// Query understanding on top of Pagefind.
//
// Pagefind stems Portuguese, folds accents and matches word prefixes, but it
// needs every word of a query, finds nothing for a typo and stems "-ção" and
// "-ções" apart. Customers type questions, abbreviations and typos, so each
// content word is searched on its own (with its singular/plural twin), the
// pages that have every word come first, a word with no match is corrected
// against the site's vocabulary, and when no page has every word the pages
// with the most of them are shown as the closest.

const STOPWORDS = new Set(`
  a o as os um uma uns umas de da do das dos em no na nos nas num numa
  para pra pro por pelo pela pelos pelas com sem sob sobre ao aos
  que quando como onde qual quais quem porque porque e ou mas se ja nao sim
  eu ele ela eles elas voce voces me te lhe meu minha meus minhas seu sua seus suas
  nosso nossa este esta estes estas esse essa esses essas isso isto aquele aquela
  ser estar estou esta estao era foi ter tem tenho tinha fazer faco faz fiz
  posso pode podem consigo preciso quero devo deve ha mais muito muita
  tudo todo toda todos todas algum alguma apos depois antes ainda so
  the an of to in on for with how what when where why is are do does can my i
`.split(/\s+/).filter(Boolean));

// Singular and plural endings that the stemmer keeps apart once accents are folded.
const PLURALS = [
  ["coes", "cao"], ["oes", "ao"], ["aes", "ao"], ["ais", "al"], ["eis", "el"], ["ois", "ol"],
];

const MIN_CORRECTED = 4;

/** Lowercase, accents and ordinals folded: "2ª Via" -> "2a via", "Configuração" -> "configuracao".
 *  The same three steps as the Python side's fold (functions/tickets/text.py). */
export function fold(text) {
  return text.normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase();
}

/** The words of a folded text; "nf-e" stays one word. */
export function words(folded) {
  return folded.match(/[a-z0-9]+(?:-[a-z0-9]+)*/g) || [];
}

/** The words that say what the query is about; all of them if every one is a stopword. */
export function contentWords(folded) {
  const all = words(folded);
  const kept = all.filter((w) => !STOPWORDS.has(w) && (w.length > 2 || /\d/.test(w)));
  return kept.length ? kept : all;
}

/** The query as typed, then with each writers' synonym replaced by what articles say. */
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

/** Optimal string alignment distance, giving up once it exceeds `limit`. */
export function editDistance(a, b, limit) {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous2 = null;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (previous2 && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, previous2[j - 2] + 1);
      }
      current.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous2 = previous;
    previous = current;
  }
  return previous[b.length];
}

/** The closest known word within one edit (two for longer words), the most frequent on ties. */
export function closestWord(word, vocabulary) {
  if (word.length < MIN_CORRECTED || /\d/.test(word) || word in vocabulary) return null;
  const limit = word.length <= 5 ? 1 : 2;
  let best = null;
  for (const [candidate, count] of Object.entries(vocabulary)) {
    const distance = editDistance(word, candidate, limit);
    if (distance > limit) continue;
    if (!best || distance < best.distance || (distance === best.distance && count > best.count)) {
      best = { word: candidate, distance, count };
    }
  }
  return best && best.word;
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
  const synonyms = fetchJson("_kb/search/synonyms.json").catch(() => ({}));
  const pagefind = await import(new URL("pagefind/pagefind.js", siteRoot).href);
  // Measured (BENCHMARKS.md): on the main thread Pagefind starts in half the
  // time, and the worker's script is not downloaded. A query's work is small.
  await pagefind.options({ baseUrl: new URL(siteRoot).pathname, excerptLength: 0, noWorker: true });
  await pagefind.init();
  return new SearchEngine(pagefind, await synonyms, fetchJson);
}

/**
 * Searches a Pagefind index the way customers type.
 * `synonyms` maps what customers type to what articles say (folded), and
 * `fetchJson(path)` loads the vocabulary files for typo correction.
 */
export class SearchEngine {
  constructor(pagefind, synonyms, fetchJson) {
    this.pagefind = pagefind;
    this.synonyms = synonyms;
    this.fetchJson = fetchJson;
    this.hitsCache = new Map();
    this.vocabularies = new Map();
  }

  /**
   * Ranked pages for a query: { results: [{id, score, matched, data()}], mode, shownQuery }.
   * mode is "all" (every word), "corrected" (every word once typos are fixed),
   * "close" (the pages with the most words) or "none".
   */
  async search(query, filters = {}) {
    const folded = fold(query).trim();
    if (!folded) return { results: [], mode: "none", shownQuery: "" };
    const variants = queryVariants(folded, this.synonyms).map(contentWords);

    const all = await this.bestOf(variants, filters, "all");
    if (all.length) return { results: all, mode: "all", shownQuery: query };

    const corrected = await Promise.all(variants.map((terms) => this.correctAll(terms, filters)));
    const changed = corrected.filter((terms, i) => terms.join(" ") !== variants[i].join(" "));
    if (changed.length) {
      const fixed = await this.bestOf(changed, filters, "all");
      if (fixed.length) return { results: fixed, mode: "corrected", shownQuery: changed[0].join(" ") };
    }

    const close = await this.bestOf(corrected, filters, "any");
    return { results: close, mode: close.length ? "close" : "none", shownQuery: query };
  }

  /** The union of each variant's pages, each page with its best score. */
  async bestOf(variants, filters, mode) {
    const merged = new Map();
    for (const pages of await Promise.all(variants.map((terms) => this.combine(terms, filters, mode)))) {
      for (const page of pages) {
        const known = merged.get(page.id);
        if (!known || rank(page, known) < 0) merged.set(page.id, page);
      }
    }
    return [...merged.values()].sort(rank);
  }

  /** Pages with every term ("all") or with any ("any"), scored by how many terms and how well. */
  async combine(terms, filters, mode) {
    const hits = await Promise.all(terms.map((term) => this.hits(term, filters)));
    const pages = new Map();
    hits.forEach((termHits) => {
      for (const [id, hit] of termHits) {
        const page = pages.get(id) || { id, score: 0, matched: 0, data: () => hit.result.data() };
        page.score += hit.score;
        page.matched += 1;
        pages.set(id, page);
      }
    });
    const needed = mode === "all" ? terms.length : 1;
    return [...pages.values()].filter((page) => page.matched >= needed);
  }

  /** Pages that have a term or its singular/plural twin. */
  async hits(term, filters) {
    const key = `${term}\u0000${JSON.stringify(filters)}`;
    if (!this.hitsCache.has(key)) {
      this.hitsCache.set(key, this.lookUp(term, filters));
    }
    return this.hitsCache.get(key);
  }

  async lookUp(term, filters) {
    const found = new Map();
    const responses = await Promise.all(numberVariants(term).map((v) => this.pagefind.search(v, { filters })));
    for (const response of responses) {
      for (const result of response.results) {
        const known = found.get(result.id);
        if (!known || known.score < result.score) found.set(result.id, { score: result.score, result });
      }
    }
    return found;
  }

  async correctAll(terms, filters) {
    return Promise.all(
      terms.map(async (term) => {
        if ((await this.hits(term, filters)).size) return term;
        return (await this.correct(term)) || term;
      }),
    );
  }

  async correct(word) {
    if (word.length < MIN_CORRECTED || !/^[a-z]/.test(word)) return null;
    const letter = word[0];
    if (!this.vocabularies.has(letter)) {
      this.vocabularies.set(letter, this.fetchJson(`_kb/search/vocabulary/${letter}.json`).catch(() => ({})));
    }
    return closestWord(word, await this.vocabularies.get(letter));
  }
}

/** More words matched first, then the higher score. */
function rank(a, b) {
  return b.matched - a.matched || b.score - a.score;
}
