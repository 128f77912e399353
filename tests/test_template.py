"""template.yaml, proved offline: it lints, and it agrees with the code it deploys."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from template_yaml import ROOT, TEMPLATE, load_template

from kbdesk import csp
from tickets.adapters.dynamodb import TTL_ATTRIBUTE, table_definition

DEPLOY_BIN = ROOT / ".venv-deploy" / "bin"
OFFLINE = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_passes() -> None:
    result = subprocess.run([str(DEPLOY_BIN / "cfn-lint"), str(TEMPLATE)], capture_output=True, text=True, env=OFFLINE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_validate_lint_passes() -> None:
    result = subprocess.run(
        [str(DEPLOY_BIN / "sam"), "validate", "--lint", "--template-file", str(TEMPLATE)],
        capture_output=True,
        text=True,
        env=OFFLINE,
        cwd=ROOT,
    )
    assert result.returncode == 0 and "is a valid SAM Template" in result.stdout, result.stdout + result.stderr


def test_the_table_has_the_keys_indexes_and_expiry_the_store_uses(template: dict[str, Any]) -> None:
    (table,) = resources(template, "AWS::DynamoDB::Table").values()
    declared, wanted = table["Properties"], table_definition("kbdesk")
    assert declared["KeySchema"] == wanted["KeySchema"]
    assert sorted(declared["AttributeDefinitions"], key=str) == sorted(wanted["AttributeDefinitions"], key=str)
    assert sorted(declared["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"]) == sorted(
        wanted["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"]
    )
    assert declared["BillingMode"] == wanted["BillingMode"] == "PAY_PER_REQUEST"
    assert declared["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert declared["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert declared["DeletionProtectionEnabled"] is True


def test_the_functions_handlers_and_environment_are_what_the_code_reads(template: dict[str, Any]) -> None:
    import tickets.handler

    functions = resources(template, "AWS::Serverless::Function")
    handlers = {f["Properties"]["Handler"] for f in functions.values()}
    assert handlers == {"tickets.handler.lambda_handler", "tickets.handler.flush_outbox"}
    for handler in handlers:
        assert callable(getattr(tickets.handler, handler.rsplit(".", 1)[1]))
    globals_ = template["Globals"]["Function"]
    assert (ROOT / globals_["CodeUri"] / "tickets" / "handler.py").exists()
    assert globals_["Runtime"] == "python3.13" and globals_["Architectures"] == ["arm64"]

    variables = globals_["Environment"]["Variables"]
    settings_source = (ROOT / "functions/tickets/settings.py").read_text()
    read_by_code = set(re.findall(r'"(KBDESK_[A-Z_]+)"', settings_source))
    assert {v for v in variables if v.startswith("KBDESK_")} <= read_by_code
    assert variables["KBDESK_BACKEND"] == "aws"
    for required in (
        "KBDESK_TABLE",
        "KBDESK_BUCKET",
        "KBDESK_SITE_URL",
        "KBDESK_SENDER",
        "KBDESK_SUPPORT_EMAIL",
        "KBDESK_SIGNING_SECRET_ARN",
        "KBDESK_AGENT_KEY_ARN",
        "KBDESK_ORIGIN_SECRET_ARN",
        "KBDESK_SES_CONFIGURATION_SET",
    ):
        assert required in variables, required
    # Secrets are referenced, never written: no variable holds a secret's value.
    assert not {"KBDESK_SIGNING_SECRET", "KBDESK_AGENT_KEY", "KBDESK_ORIGIN_SECRET"} & set(variables)


def test_every_api_route_is_reachable_through_the_http_api_and_cloudfront(template: dict[str, Any], tmp_path: Path) -> None:
    from tickets.app import create_resolver
    from tickets.backends import local_backend
    from tickets.settings import Settings

    products = tmp_path / "products.json"
    products.write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
    backend = local_backend(Settings(data_dir=tmp_path, products_file=products, signing_secret=b"s"))
    spec = json.loads(create_resolver(backend.desk, backend.idempotency).get_openapi_json_schema(title="t", version="1"))
    paths = set(spec["paths"]) | {"/api/openapi.json"}
    assert paths and all(path.startswith("/api/") for path in paths)

    (function,) = [
        f
        for f in resources(template, "AWS::Serverless::Function").values()
        if f["Properties"]["Handler"] == "tickets.handler.lambda_handler"
    ]
    (event,) = function["Properties"]["Events"].values()
    assert (
        event["Type"] == "HttpApi" and event["Properties"]["Path"] == "/api/{proxy+}" and event["Properties"]["Method"] == "ANY"
    )

    (distribution,) = resources(template, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    assert set(api["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert api["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
    assert api["OriginRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # cookies, query strings, headers
    origins = {o["Id"]: o for o in config["Origins"]}
    assert "HttpApi" in json.dumps(origins[api["TargetOriginId"]]["DomainName"])


def test_cloudfront_proves_its_requests_with_the_secret_the_function_checks(template: dict[str, Any]) -> None:
    """The viewer's address is believed only from a request bearing the origin secret (see client_ip)."""
    from tickets.app import ORIGIN_HEADER

    (distribution,) = resources(template, "AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    (origin,) = [o for o in config["Origins"] if o["Id"] == api["TargetOriginId"]]
    (header,) = origin["OriginCustomHeaders"]
    assert header["HeaderName"].lower() == ORIGIN_HEADER
    assert header["HeaderValue"] == {"Fn::Sub": "{{resolve:secretsmanager:${OriginSecret}:SecretString}}"}
    assert resources(template, "AWS::SecretsManager::Secret")["OriginSecret"]["Properties"]["GenerateSecretString"]
    assert template["Globals"]["Function"]["Environment"]["Variables"]["KBDESK_ORIGIN_SECRET_ARN"] == {"Ref": "OriginSecret"}


def test_cloudfront_sends_the_policy_the_local_server_sends(template: dict[str, Any]) -> None:
    (policy,) = resources(template, "AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    declared = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    expected = csp.content_security_policy(["${ScriptHashes}"], "https://${AttachmentsBucket.RegionalDomainName}")
    assert declared == expected
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "no-referrer"


def test_permissions_name_their_resources_and_no_wildcard_actions(template: dict[str, Any]) -> None:
    statements = [
        s for p in resources(template, "AWS::IAM::ManagedPolicy").values() for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert statements
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement
        assert statement["Resource"] != "*", statement
    actions = {a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert "dynamodb:Scan" not in actions and "ses:SendRawEmail" in actions
    for function in resources(template, "AWS::Serverless::Function").values():
        assert all(isinstance(p, dict) and "Ref" in p for p in function["Properties"]["Policies"])


def test_the_buckets_are_private_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    assert set(buckets) == {"AttachmentsBucket", "SiteBucket"}
    for bucket in buckets.values():
        assert all(bucket["Properties"]["PublicAccessBlockConfiguration"].values())
        assert bucket["Properties"]["BucketEncryption"]
    policies = {p["Properties"]["Bucket"]["Ref"]: p for p in resources(template, "AWS::S3::BucketPolicy").values()}
    for name in buckets:
        denials = [s for s in policies[name]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": False}} for s in denials)
    attachments = buckets["AttachmentsBucket"]["Properties"]
    condition, with_site, without_site = attachments["CorsConfiguration"]["Fn::If"]
    assert condition == "HasSiteAddress" and without_site == {"Ref": "AWS::NoValue"}
    (cors,) = with_site["CorsRules"]
    assert cors["AllowedMethods"] == ["POST"] and len(cors["AllowedOrigins"]) == 1
    rules = {r["Id"]: r for r in attachments["LifecycleConfiguration"]["Rules"]}
    assert rules["UnusedUploads"]["Prefix"] == "uploads/" and rules["UnusedUploads"]["ExpirationInDays"] == 1


def test_the_packaged_requirements_are_the_versions_the_suite_runs() -> None:
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line)
    normalized = {name.lower().replace("_", "-"): version for name, version in pins.items()}
    required = [
        line
        for line in (ROOT / "functions/requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert required
    for line in required:
        name, version = line.split("==")
        assert normalized[name.lower().replace("_", "-")] == version, line


def test_make_deploy_without_credentials_stops_at_once_with_a_clear_message(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    result = subprocess.run(["make", "-s", "deploy"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "no AWS credentials found" in result.stderr
    assert "sam" not in result.stdout.lower()  # stopped before building or deploying anything
