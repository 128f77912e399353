"""A bounded fuzz pass over the API as its OpenAPI document describes it (schemathesis, every check).

The document is what a client generates its code from: every answer must be one it declares, in
the shape it declares, and every request it declares valid must be taken (or refused only for a
reason it also states). The pass is seeded, so each run sends the same few hundred cases.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from contract_data import AGENT_KEY, SESSION, sign_in

FUZZ = Path(__file__).parent / "fuzz"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def test_every_operation_answers_as_its_openapi_document_says(make_host: Any) -> None:
    host = make_host("local", agent_key=AGENT_KEY)
    ana = sign_in(host, "ana@cliente.com.br")  # signed-in routes are reached too, not only refused
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(FUZZ / "schemathesis.toml"),
        "run",
        f"{host.base}/api/openapi.json",
        "--url",
        host.base,
        "--checks",
        "all",
        "--max-examples",
        "25",
        "--seed",
        "20261203",
        "--generation-deterministic",
        "--workers",
        "1",
        "--no-color",
        "-H",
        "X-Requested-With: kbdesk",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "kbdesk_fuzz_hooks",
        "PYTHONPATH": str(FUZZ),
        "KBDESK_FUZZ_SESSION": str(ana.cookie(SESSION)),
        "KBDESK_FUZZ_AGENT_KEY": AGENT_KEY,
    }
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env, cwd=host.settings.data_dir)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "No issues found" in result.stdout or " passed" in result.stdout
