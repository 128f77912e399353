"""What deploy.sh needs from samconfig.toml.

SCRIPT_HASHES="'sha256-...' ..." python deploy/samconfig.py samconfig.toml
    the stack's parameters as saved, with ScriptHashes renewed from the build;
python deploy/samconfig.py --stack samconfig.toml
    the stack's name and region.
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
    with open(sys.argv[-1], "rb") as config:
        parameters = tomllib.load(config)["default"]["deploy"]["parameters"]
    if sys.argv[1] == "--stack":
        print(parameters["stack_name"], parameters.get("region") or os.environ.get("AWS_REGION", "us-east-1"))
    else:
        print(overrides(parameters.get("parameter_overrides", ""), os.environ["SCRIPT_HASHES"]))
