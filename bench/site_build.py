"""Site build and search benchmark: kbdesk against a plain MkDocs + Material build.

    python bench/site_build.py --articles 5000

Generates N synthetic Portuguese articles across 5 products, then in one run:

1. builds them with kbdesk (its plugin, Pagefind) and, from the same Markdown,
   a plain MkDocs + Material site (Material's search plugin, default nav),
   timing both and printing the ratio;
2. serves the kbdesk site the way `kbdesk serve` does and, in headless
   Chromium, measures the bytes fetched by the first query, by later
   single-word queries and by queries that widen (typos, chat spellings,
   questions), and the time from typing to the first results.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = ["omni-crm", "omni-chat", "omni-analytics", "omni-fiscal", "omni-estoque"]
MODULES = [
    "Contatos",
    "Faturamento",
    "Relatórios",
    "Atendimento",
    "Vendas",
    "Integrações",
    "Usuários",
    "Configurações",
    "Agenda",
    "Estoque",
]
ACTIONS = [
    "Configurar",
    "Cadastrar",
    "Exportar",
    "Importar",
    "Cancelar",
    "Corrigir",
    "Consultar",
    "Aprovar",
    "Excluir",
    "Agendar",
]
OBJECTS = [
    "impressora",
    "nota fiscal",
    "boleto",
    "contato",
    "oportunidade",
    "relatório",
    "usuário",
    "permissão",
    "fila",
    "painel",
    "pedido",
    "tabela de preços",
    "webhook",
    "certificado digital",
    "campo personalizado",
]
SYLLABLES = "ca ce ci co cu da de di do du fa fe fi fo la le li lo lu ma me mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo ção ções mento dade ar er ir".split()
FIRST_QUERY_RUNS = 5
QUERIES = [
    "impressora",
    "boleto",
    "contato",
    "relatório",
    "permissão",
    "fila",
    "pedido",
    "webhook",
    "certificado",
    "usuário",
    "painel",
]
# Queries that widen: typos, chat spellings and questions download vocabulary
# files and search more words, so they are measured apart.
HARD_QUERIES = [
    "impresora",
    "boelto atrasado",
    "vc consegue mudar o relatoriu",
    "como faço pra apagar um usuario",
    "permisao de acesso",
    "cerificado digital vencido",
]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    """Real Portuguese words from the sample articles, then made-up ones for a realistic vocabulary size."""
    words: list[str] = []
    for path in (ROOT / "kb").rglob("*.md"):
        words += re.findall(r"[a-záàâãéêíóôõúç]{3,}", path.read_text(encoding="utf-8").lower())
    real = sorted(set(words))
    made = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(size)}
    return real + sorted(made)


def zipf_sentence(rng: random.Random, words: list[str], weights: list[float], length: int) -> str:
    chosen = rng.choices(words, weights=weights, k=length)
    return chosen[0].capitalize() + " " + " ".join(chosen[1:]) + "."


def generate(target: Path, count: int, seed: int = 7) -> None:
    """Write kb/ (for kbdesk) and docs/ (for the plain build) with the same articles."""
    rng = random.Random(seed)
    words = vocabulary(rng, 20000)
    weights = [1 / (rank + 10) for rank in range(len(words))]
    rng.shuffle(words)
    kb, plain_docs = target / "kb", target / "plain" / "docs"
    for order, product in enumerate(PRODUCTS, 1):
        (kb / product).mkdir(parents=True)
        name = product.replace("-", " ").title()
        (kb / product / "_product.yml").write_text(
            f"name: {name}\ndescription: Artigos de {name}.\norder: {order}\n", encoding="utf-8"
        )
    (plain_docs).mkdir(parents=True)
    (plain_docs / "index.md").write_text("# Central de Ajuda\n", encoding="utf-8")
    for n in range(count):
        product = PRODUCTS[n % len(PRODUCTS)]
        module = rng.choice(MODULES)
        title = f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)} em {module} ({n})"
        summary = zipf_sentence(rng, words, weights, 14)[:190]
        sections = []
        for s in range(rng.randint(2, 4)):
            paragraphs = "\n\n".join(
                " ".join(zipf_sentence(rng, words, weights, rng.randint(8, 16)) for _ in range(3)) for _ in range(2)
            )
            sections.append(f"## Seção {s + 1}: {rng.choice(OBJECTS)}\n\n{paragraphs}\n")
        updated = date(2026, 1, 1) + timedelta(days=n % 330)
        text = (
            f'---\ntitle: "{title}"\nsummary: "{summary}"\ntype: {rng.choice(["manual", "article"])}\n'
            f"tags: [{module.lower()}]\nupdated: {updated.isoformat()}\n---\n\n"
            f"Este artigo trata de {rng.choice(OBJECTS)} no módulo {module}.\n\n" + "\n".join(sections)
        )
        slug = f"artigo-{n:05d}"
        (kb / product / f"{slug}.md").write_text(text, encoding="utf-8")
        (plain_docs / product).mkdir(exist_ok=True)
        (plain_docs / product / f"{slug}.md").write_text(text, encoding="utf-8")

    # kbdesk: the project's own site around the generated knowledge base.
    shutil.copytree(ROOT / "docs", target / "docs")
    shutil.copytree(ROOT / "overrides", target / "overrides")
    shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    # Plain: Material with its own search plugin and the default (automatic) nav.
    (target / "plain" / "mkdocs.yml").write_text(
        "site_name: Central de Ajuda\ntheme:\n  name: material\n  language: pt-BR\n  font: false\n"
        "plugins:\n  - search:\n      lang: pt\nmarkdown_extensions:\n  - admonition\n",
        encoding="utf-8",
    )


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def measure_search(site_dir: Path) -> dict[str, float]:
    """Bytes fetched and time to results in headless Chromium, against the served site."""
    from playwright.sync_api import sync_playwright
    from waitress import create_server

    from kbdesk.server import compress_site, static_app

    logging.getLogger("waitress").setLevel(logging.ERROR)  # queue-depth notices are noise here
    compress_site(site_dir)
    server = create_server(static_app(site_dir), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            first_bytes, first_ms = [], []
            for _ in range(FIRST_QUERY_RUNS):
                context, page, finished = open_home(browser, base)
                first_ms.append(type_and_wait(page, "configurar impressora"))
                page.wait_for_load_state("networkidle")
                first_bytes.append(transferred(finished))
                context.close()

            context, page, finished = open_home(browser, base)
            type_and_wait(page, "configurar impressora")
            page.wait_for_load_state("networkidle")
            later_bytes, later_ms = [], []
            for word in QUERIES:
                finished.clear()
                later_ms.append(type_and_wait(page, word))
                page.wait_for_load_state("networkidle")
                later_bytes.append(transferred(finished))
            hard_bytes, hard_ms = [], []
            for query in HARD_QUERIES:
                finished.clear()
                hard_ms.append(type_and_wait(page, query))
                page.wait_for_load_state("networkidle")
                hard_bytes.append(transferred(finished))
            browser.close()
    finally:
        server.close()
    return {
        "first_query_kb_median": statistics.median(first_bytes) / 1024,
        "first_query_ms_median": statistics.median(first_ms),
        "first_query_ms_max": max(first_ms),
        "later_query_kb_median": statistics.median(later_bytes) / 1024,
        "later_query_ms_median": statistics.median(later_ms),
        "hard_query_kb_median": statistics.median(hard_bytes) / 1024,
        "hard_query_kb_max": max(hard_bytes) / 1024,
        "hard_query_ms_median": statistics.median(hard_ms),
        "hard_query_ms_max": max(hard_ms),
    }


def open_home(browser, base: str) -> tuple:
    """A fresh context (an empty cache, as for a new visitor) on the home page, loaded.

    Returns the context, the page and the list that collects its finished
    requests from now on; Playwright reports Pagefind's web worker's requests
    with the page's.
    """
    context = browser.new_context()
    page = context.new_page()
    finished: list = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.goto(base)
    page.wait_for_load_state("networkidle")
    finished.clear()
    return context, page, finished


def transferred(requests: list) -> int:
    """Bytes on the wire (headers and encoded body) of the finished requests."""
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseHeadersSize"] + sizes["responseBodySize"]
    return total


def type_and_wait(page, query: str) -> float:
    """Milliseconds from the query's input event to its result cards on screen."""
    return page.evaluate(
        """(query) => new Promise((resolve) => {
            const input = document.getElementById("kb-q");
            const status = document.getElementById("kb-status");
            const before = status.textContent;
            const started = performance.now();
            const observer = new MutationObserver(() => {
              if (new URL(location.href).searchParams.get("q") === query && status.textContent !== before
                  && document.querySelector("#kb-results .kb-card")) {
                observer.disconnect();
                resolve(performance.now() - started);
              }
            });
            observer.observe(status, { childList: true, characterData: true, subtree: true });
            input.focus();
            input.value = query;
            input.dispatchEvent(new Event("input", { bubbles: true }));
        })""",
        query,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000, help="how many articles to generate")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="scratch folder (replaced)")
    parser.add_argument("--skip-plain", action="store_true", help="skip the plain Material build")
    args = parser.parse_args()

    target = args.out / f"site-{args.articles}"
    shutil.rmtree(target, ignore_errors=True)
    generate(target, args.articles)
    bin_dir = Path(sys.executable).parent
    kbdesk_s = timed([str(bin_dir / "kbdesk"), "build", "--site-dir", "site"], target)
    results: dict[str, float | int] = {"articles": args.articles, "kbdesk_build_s": round(kbdesk_s, 1)}
    if not args.skip_plain:
        plain_s = timed([str(bin_dir / "mkdocs"), "build", "--site-dir", "site"], target / "plain")
        results |= {"plain_material_build_s": round(plain_s, 1), "ratio": round(kbdesk_s / plain_s, 3)}
    results |= {k: round(v, 1) for k, v in measure_search(target / "site").items()}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
