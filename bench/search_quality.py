"""Search quality benchmark: kbdesk's query layer against bare Pagefind, per kind of query.

    python bench/search_quality.py                       # the held-out set, tests/search_corpus
    python bench/search_quality.py --corpus tests/search_dev --misses

Builds the project's site around the set's knowledge base (`<corpus>/kb`),
serves it as `kbdesk serve` does, types every query of `<corpus>/queries.yml`
into the home page in headless Chromium and, in the same page and run, puts it
to Pagefind's own API on the same index. A query passes when its article is
among the first three. Prints the rates per kind as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from search_eval import build_site, chromium, load_queries, rates, run_queries, serving  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "search_corpus", help="a folder with kb/ and queries.yml")
    parser.add_argument("--misses", action="store_true", help="also print the queries kbdesk missed")
    args = parser.parse_args()
    queries = load_queries(args.corpus / "queries.yml")
    with tempfile.TemporaryDirectory() as work:
        site = build_site(args.corpus / "kb", Path(work))
        with serving(site) as base_url, chromium() as browser:
            outcomes = run_queries(browser, base_url, queries)
    report: dict[str, object] = {"corpus": str(args.corpus), "rates": rates(outcomes)}
    if args.misses:
        report["misses"] = [
            {"kind": o.query.kind, "query": o.query.query, "expected": o.query.expected, "shown": o.shown}
            for o in outcomes
            if not o.found
        ]
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
