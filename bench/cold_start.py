"""Lambda cold start: the ticket handler against a handler that only makes its AWS clients.

    python bench/cold_start.py --runs 7

Each sample is a fresh Python process, as a new Lambda container is:

- baseline: `import boto3` and create the DynamoDB, S3 and SESv2 clients;
- floor: only what the design requires before any ticket work: Powertools'
  resolver with pydantic validation, its idempotency utility, and the
  DynamoDB and SESv2 clients (no request handled);
- kbdesk: `import tickets.handler` and handle the first submission
  (POST /api/tickets: validation, numbering, the ticket and its e-mails
  written in one transaction, both e-mails sent), configured as
  template.yaml configures it: its two secrets read from Secrets Manager.

AWS is a moto server in another process, reached over HTTP through
AWS_ENDPOINT_URL, so neither side pays for importing moto and both pay for
importing boto3. The kinds alternate; medians and the ratios are printed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
TABLE = "kbdesk-cold-start"
BUCKET = "kbdesk-cold-start"
SENDER = "suporte@example.com"

BASELINE = """
import time
started = time.perf_counter()
import boto3
boto3.client("dynamodb"), boto3.client("s3"), boto3.client("sesv2")
print(time.perf_counter() - started)
"""

# What the issue's own choices cost before any ticket work: Powertools' resolver with pydantic
# validation and its idempotency utility, and the two clients every submission needs.
FLOOR = """
import time
started = time.perf_counter()
import boto3
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer
from pydantic import BaseModel
class Ticket(BaseModel):
    subject: str
app = APIGatewayHttpResolver(enable_validation=True)
@app.post("/api/tickets")
def create(ticket: Ticket): return {}
boto3.client("dynamodb"), boto3.client("sesv2")
print(time.perf_counter() - started)
"""

KBDESK = """
import json, time, uuid
started = time.perf_counter()
from tickets.handler import lambda_handler
body = {"request_type": "incident", "product": "omni-crm", "subject": "Lentidão ao salvar contato",
        "description": "Desde ontem, ao salvar um contato, os atendentes esperam mais de 30 segundos.",
        "email": "ana@cliente.com.br"}
event = {"version": "2.0", "routeKey": "$default", "rawPath": "/api/tickets", "rawQueryString": "",
         "headers": {"content-type": "application/json"},
         "requestContext": {"http": {"method": "POST", "path": "/api/tickets", "protocol": "HTTP/1.1",
                                     "sourceIp": "203.0.113.9", "userAgent": "bench"},
                            "requestId": str(uuid.uuid4()), "routeKey": "$default", "stage": "$default", "timeEpoch": 0},
         "body": json.dumps(body), "isBase64Encoded": False}

class Context:
    aws_request_id = "cold-start"
    function_name = "kbdesk-tickets"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:kbdesk-tickets"
    def get_remaining_time_in_millis(self): return 29000

answer = lambda_handler(event, Context())
elapsed = time.perf_counter() - started
assert answer["statusCode"] == 201, answer
print(elapsed)
"""


def prepare(endpoint: str) -> dict[str, str]:
    """The stack's resources in moto; the environment template.yaml gives the function for them."""
    from tickets.adapters.dynamodb import table_definition

    def make(service: str):
        return boto3.client(
            service, region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing"
        )

    make("dynamodb").create_table(**table_definition(TABLE))
    make("s3").create_bucket(Bucket=BUCKET)
    make("ses").verify_email_identity(EmailAddress=SENDER)
    make("sesv2").create_configuration_set(ConfigurationSetName="kbdesk")
    secrets = make("secretsmanager")
    return {
        "KBDESK_SIGNING_SECRET_ARN": secrets.create_secret(Name="signing", SecretString="s" * 48)["ARN"],
        "KBDESK_AGENT_KEY_ARN": secrets.create_secret(Name="agent", SecretString="k" * 40)["ARN"],
        "KBDESK_SES_CONFIGURATION_SET": "kbdesk",
    }


def sample(script: str, env: dict[str, str]) -> float:
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the moto server's request log is noise here
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        stack = prepare(endpoint)
        products = Path(tempfile.mkdtemp()) / "products.json"
        products.write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_LAMBDA_FUNCTION_NAME": "kbdesk-tickets",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "KBDESK_BACKEND": "aws",
            "KBDESK_TABLE": TABLE,
            "KBDESK_BUCKET": BUCKET,
            "KBDESK_SENDER": f"Central de Ajuda <{SENDER}>",
            "KBDESK_SUPPORT_EMAIL": SENDER,
            "KBDESK_PRODUCTS_FILE": str(products),
            "KBDESK_RATE_LIMITS": "off",
            **stack,
        }
        baseline, floor, kbdesk = [], [], []
        for _ in range(args.runs):
            baseline.append(sample(BASELINE, env))
            floor.append(sample(FLOOR, env))
            kbdesk.append(sample(KBDESK, env))
    finally:
        server.stop()
    print(
        json.dumps(
            {
                "runs": args.runs,
                "baseline_ms_median": round(statistics.median(baseline) * 1000),
                "floor_ms_median": round(statistics.median(floor) * 1000),
                "kbdesk_ms_median": round(statistics.median(kbdesk) * 1000),
                "ratio": round(statistics.median(kbdesk) / statistics.median(baseline), 2),
                "floor_ratio": round(statistics.median(floor) / statistics.median(baseline), 2),
                "baseline_ms": [round(s * 1000) for s in baseline],
                "floor_ms": [round(s * 1000) for s in floor],
                "kbdesk_ms": [round(s * 1000) for s in kbdesk],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
