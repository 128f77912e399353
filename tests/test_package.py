"""The function as `sam build` packages it, run through the contract suite's submission, lookup and mail cases.

The package is made as `sam build` makes it for a Python function: CodeUri's
files (functions/) with functions/requirements.txt installed beside them, and
the product list the site build writes (deploy/deploy.sh copies it). Here the
wheels are this machine's (Lambda's are arm64 for Python 3.13; the versions
are the same, a test in test_template.py checks the pins).

The contract cases then run in a separate Python that imports `tickets` and
its dependencies from the package, never from the project, under moto, with
the environment template.yaml gives the function (tests/contract/hosts.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(TESTS / "contract"))
    from contract_data import PRODUCTS

    target = tmp_path_factory.mktemp("package")
    shutil.copytree(ROOT / "functions", target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "products.json"))
    (target / "tickets" / "products.json").write_text(json.dumps(PRODUCTS))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            "-r",
            str(target / "requirements.txt"),
            "-c",
            str(ROOT / "constraints.txt"),
        ],
        check=True,
    )
    return target


def test_the_packaged_function_passes_the_contract_submission_lookup_and_mail_cases(package: Path) -> None:
    # Without `site`, the project's editable install is not on the path; the test tools (pytest, moto)
    # come from the environment's site-packages, after the package, so the package's libraries win.
    script = (
        "import sys; "
        f"sys.path[:0] = {[str(package), str(ROOT / 'src'), str(TESTS), str(TESTS / 'contract')]!r}; "
        f"sys.path.append({sysconfig.get_paths()['purelib']!r}); "
        "import pytest; "
        f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '--rootdir', {str(ROOT)!r}, "
        f"{str(TESTS / 'contract' / 'test_open_ticket.py')!r}, {str(TESTS / 'contract' / 'test_lookups.py')!r}, "
        f"{str(TESTS / 'contract' / 'test_mail.py')!r}]))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "KBDESK_CONTRACT_PACKAGE": str(package)},
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and " failed" not in result.stdout
