"""The stack's parameters as samconfig.toml keeps them, with ScriptHashes renewed from the build.

    SCRIPT_HASHES="'sha256-...' ..." python deploy/parameter_overrides.py samconfig.toml
"""

from __future__ import annotations

import os
import shlex
import sys
import tomllib


def overrides(saved: str | list[str], script_hashes: str) -> str:
    tokens = saved if isinstance(saved, list) else shlex.split(saved)
    values = dict(token.split("=", 1) for token in tokens)
    values["ScriptHashes"] = script_hashes
    return " ".join(f'{key}="{value}"' for key, value in values.items())


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as config:
        parameters = tomllib.load(config)["default"]["deploy"]["parameters"]
    print(overrides(parameters.get("parameter_overrides", ""), os.environ["SCRIPT_HASHES"]))
