"""The contract suite runs every test against each host of the ticket API."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from contract_data import PRODUCTS
from hosts import PACKAGE, Host, LambdaHost, LocalHost, ServedHost, settings_for

# Run from tests/test_package.py, only the Lambda host, and the function must be the deployment package's.
HOSTS = ["lambda"] if PACKAGE else ["local", "lambda"]
if PACKAGE:
    import tickets

    assert Path(tickets.__file__).resolve().is_relative_to(Path(PACKAGE).resolve()), tickets.__file__


@pytest.fixture
def make_host(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Host]]:
    """Start a host of the given kind with settings overrides; stopped after the test.

    `served` is `kbdesk serve` itself, serving the small site of the `project` fixture.
    """
    started: list[Host] = []
    products = tmp_path / "products.json"
    products.write_text(json.dumps(PRODUCTS))

    def make(kind: str, **overrides: Any) -> Host:
        settings = settings_for(tmp_path / f"data-{len(started)}", products, **overrides)
        host: Host
        if kind == "served":
            host = ServedHost(settings, project=request.getfixturevalue("project")).start()
        else:
            host = (LocalHost if kind == "local" else LambdaHost)(settings).start()
        started.append(host)
        return host

    yield make
    for host in started:
        host.stop()
    # The design's rule on AWS: every read is GetItem or Query, whatever the test did.
    scans = [host.name for host in started if "Scan" in getattr(host, "operations", ())]
    assert not scans, "the Lambda read DynamoDB with Scan"


@pytest.fixture(params=HOSTS)
def host_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def host(host_kind: str, make_host: Callable[..., Host]) -> Host:
    return make_host(host_kind)
