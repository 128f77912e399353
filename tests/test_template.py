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


def the_function(template: dict[str, Any], handler: str) -> dict[str, Any]:
    (function,) = [f for f in resources(template, "AWS::Serverless::Function").values() if f["Properties"]["Handler"] == handler]
    return function["Properties"]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The dependency cycles of a graph of resource names (each cycle once, from where it was found)."""
    found, state, path = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for after in sorted(graph[node]):
            if state.get(after) == "open":
                found.append([*path[path.index(after) :], after])
            elif after not in state:
                visit(after)
        path.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def depends_on(resource: dict[str, Any], names: set[str]) -> set[str]:
    """The template's resources this one refers to (Ref, Fn::GetAtt, Fn::Sub) or waits for (DependsOn)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "Ref":
                    found.add(value)
                elif key == "Fn::GetAtt":
                    found.add(value[0] if isinstance(value, list) else value.split(".")[0])
                elif key == "Fn::Sub":
                    text = value if isinstance(value, str) else value[0]
                    found.update(re.findall(r"\$\{(\w+)", text))
                    walk(value if isinstance(value, list) else [])
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(resource.get("Properties", {}))
    waits = resource.get("DependsOn", [])
    found.update([waits] if isinstance(waits, str) else waits)
    return found & names


def render_input_template(template: str, event: dict[str, Any], paths: dict[str, str]) -> Any:
    """What an EventBridge input transformer delivers: a placeholder in quotes takes the value's text,
    one outside quotes its JSON."""
    values = {}
    for name, path in paths.items():
        value: Any = event
        for part in path.removeprefix("$.").split("."):
            value = value[part]
        values[name] = value
    quoted = re.sub(r'"[^"]*"', lambda m: re.sub(r"<(\w+)>", lambda p: str(values[p[1]]), m[0]), template)
    return json.loads(re.sub(r"<(\w+)>", lambda p: json.dumps(values[p[1]]), quoted))


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
    assert handlers == {"tickets.handler.lambda_handler", "tickets.handler.flush_outbox", "tickets.handler.receive_mail"}
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
        "KBDESK_AGENT_EMAILS",
        "KBDESK_EMAIL_REQUEST_TYPE",
        "KBDESK_EMAIL_PRODUCT",
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
    managed = resources(template, "AWS::IAM::ManagedPolicy")
    statements = [s for p in managed.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    for function in resources(template, "AWS::Serverless::Function").values():
        for policy in function["Properties"]["Policies"]:
            # A function's policy is one of the template's managed policies, or its own statements.
            assert isinstance(policy, dict) and (policy.get("Ref") in managed or set(policy) == {"Statement"}), policy
            statements += policy.get("Statement", [])
    assert statements
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), statement
        assert statement["Resource"] != "*", statement
    actions = {a for s in statements for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}
    assert "dynamodb:Scan" not in actions and "ses:SendRawEmail" in actions


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


def test_the_transformed_template_has_no_circular_dependency(template: dict[str, Any]) -> None:
    """CloudFormation sees the template after SAM's transform, which cfn-lint does not run: an S3 event
    would make the bucket depend on a function that depends on the bucket. Transform it as SAM does."""
    transform = (
        "import json, sys\n"
        "from samtranslator.translator.transform import transform\n"
        "class NoManagedPolicies:\n"
        "    def load(self): return {}\n"
        "print(json.dumps(transform(json.load(sys.stdin), {}, NoManagedPolicies())))\n"
    )
    packaged = json.loads(json.dumps(template))
    packaged["Globals"]["Function"]["CodeUri"] = "s3://artifacts/code.zip"  # what sam package puts there
    result = subprocess.run(
        [str(DEPLOY_BIN / "python"), "-c", transform],
        input=json.dumps(packaged),
        capture_output=True,
        text=True,
        env=OFFLINE,
    )
    assert result.returncode == 0, result.stderr
    transformed = json.loads(result.stdout)["Resources"]
    assert "InboundMailFunction" in transformed and "AttachmentsBucket" in transformed
    names = set(transformed)
    assert cycles({name: depends_on(resource, names) for name, resource in transformed.items()}) == []
    # The bucket starts the function through EventBridge, so it names no function and waits for none.
    assert not depends_on(transformed["AttachmentsBucket"], names)


def test_the_email_parameters_reach_every_function_as_the_code_reads_them(template: dict[str, Any]) -> None:
    from tickets import catalog

    parameters = template["Parameters"]
    assert parameters["AgentEmails"]["Type"] == "String" and parameters["AgentEmails"]["Default"] == ""
    assert parameters["EmailProduct"]["Type"] == "String" and parameters["EmailProduct"]["Default"] == ""
    request_type = parameters["EmailRequestType"]
    assert request_type["Type"] == "String"
    assert request_type["AllowedValues"] == list(catalog.REQUEST_TYPE_IDS)
    assert request_type["Default"] == "usability" in catalog.REQUEST_TYPE_IDS
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["KBDESK_AGENT_EMAILS"] == {"Ref": "AgentEmails"}
    assert variables["KBDESK_EMAIL_REQUEST_TYPE"] == {"Ref": "EmailRequestType"}
    assert variables["KBDESK_EMAIL_PRODUCT"] == {"Ref": "EmailProduct"}
    for function in resources(template, "AWS::Serverless::Function").values():
        assert "Environment" not in function["Properties"]  # none overrides what Globals gives


def test_ses_keeps_each_message_for_support_under_inbound_in_the_attachments_bucket(template: dict[str, Any]) -> None:
    (rule_set,) = resources(template, "AWS::SES::ReceiptRuleSet").values()
    assert rule_set["Properties"]["RuleSetName"] == {"Fn::Sub": "${AWS::StackName}-inbound"}
    ((name, receipt_rule),) = resources(template, "AWS::SES::ReceiptRule").items()
    assert receipt_rule["Properties"]["RuleSetName"] == {"Ref": "InboundRuleSet"}
    assert resources(template, "AWS::SES::ReceiptRuleSet") == {"InboundRuleSet": rule_set}
    # SES tries the bucket when the rule is made: its permission must be there first.
    assert receipt_rule["DependsOn"] in ("AttachmentsBucketPolicy", ["AttachmentsBucketPolicy"])
    rule = receipt_rule["Properties"]["Rule"]
    assert rule["Enabled"] is True and rule["ScanEnabled"] is True and rule["TlsPolicy"] == "Require"
    # The support address also matches its sub-addresses, the tickets' reply addresses (suporte+pc-1.<tag>@).
    assert rule["Recipients"] == [{"Ref": "SupportAddress"}]
    (action,) = rule["Actions"]
    assert action == {"S3Action": {"BucketName": {"Ref": "AttachmentsBucket"}, "ObjectKeyPrefix": "inbound/"}}
    outputs = template["Outputs"]
    assert outputs["ReceiptRuleSetName"]["Value"] == {"Ref": "InboundRuleSet"}
    assert outputs["InboundMailFunctionName"]["Value"] == {"Ref": "InboundMailFunction"}
    assert name == "InboundRule"


def test_only_this_stacks_receipt_rules_may_write_and_only_under_inbound(template: dict[str, Any]) -> None:
    policies = {p["Properties"]["Bucket"]["Ref"]: p for p in resources(template, "AWS::S3::BucketPolicy").values()}
    statements = policies["AttachmentsBucket"]["Properties"]["PolicyDocument"]["Statement"]
    allowed = [s for s in statements if s["Effect"] == "Allow"]
    assert allowed == [
        {
            "Sid": "SesStoresReceivedMail",
            "Effect": "Allow",
            "Principal": {"Service": "ses.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": {"Fn::Sub": "${AttachmentsBucket.Arn}/inbound/*"},
            "Condition": {
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "ArnLike": {
                    "aws:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
                        ":receipt-rule-set/${AWS::StackName}-inbound:receipt-rule/*"
                    }
                },
            },
        }
    ]
    # The rule set the condition names is the template's.
    (rule_set,) = resources(template, "AWS::SES::ReceiptRuleSet").values()
    source_arn = allowed[0]["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    assert f"receipt-rule-set/{rule_set['Properties']['RuleSetName']['Fn::Sub']}:receipt-rule/" in source_arn
    # Still TLS only, for SES too (it writes over TLS).
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert {"Fn::Sub": "${AttachmentsBucket.Arn}/*"} in deny["Resource"]


def test_the_inbound_function_takes_each_message_stored_under_inbound(template: dict[str, Any]) -> None:
    import tickets.handler

    function = the_function(template, "tickets.handler.receive_mail")
    assert callable(tickets.handler.receive_mail)
    assert function["Timeout"] == 60
    log_group = template["Resources"][function["LoggingConfig"]["LogGroup"]["Ref"]]
    assert log_group["Type"] == "AWS::Logs::LogGroup" and log_group["Properties"]["RetentionInDays"] in (30, 90)

    managed = [p["Ref"] for p in function["Policies"] if "Ref" in p]
    assert managed == ["TicketDataPolicy", "AttachmentsPolicy"]
    inline = [s for p in function["Policies"] if "Statement" in p for s in p["Statement"]]
    assert inline == [
        {
            "Sid": "ReadReceivedMail",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${AttachmentsBucket.Arn}/inbound/*"},
        }
    ]

    (event,) = function["Events"].values()
    assert event["Type"] == "EventBridgeRule"
    pattern = event["Properties"]["Pattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    assert pattern["detail"] == {"bucket": {"name": [{"Ref": "AttachmentsBucket"}]}, "object": {"key": [{"prefix": "inbound/"}]}}
    bucket = template["Resources"]["AttachmentsBucket"]["Properties"]
    assert bucket["NotificationConfiguration"] == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}

    # What S3 sends EventBridge when SES stores a message, and what the function is then given: the
    # S3 notification's Records, read as the handler reads them.
    stored = {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": "2026-12-04T12:00:00Z",
        "region": "sa-east-1",
        "resources": ["arn:aws:s3:::kbdesk-attachmentsbucket-1a2b3c"],
        "detail": {
            "version": "0",
            "bucket": {"name": "kbdesk-attachmentsbucket-1a2b3c"},
            "object": {"key": "inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g81", "size": 5120, "etag": "e"},
            "request-id": "r",
            "requester": "123456789012",
            "reason": "PutObject",
        },
    }
    transformer = event["Properties"]["InputTransformer"]
    given = render_input_template(transformer["InputTemplate"], stored, transformer["InputPathsMap"])
    (record,) = given["Records"]
    assert record["eventSource"] == "aws:s3" and record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == "kbdesk-attachmentsbucket-1a2b3c"
    assert record["s3"]["object"] == {"key": "inbound/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g81", "size": 5120}
    assert template["Outputs"]["InboundMailLogGroupName"]["Value"] == function["LoggingConfig"]["LogGroup"]


def test_received_messages_are_kept(template: dict[str, Any]) -> None:
    """The raw message is kept: no lifecycle rule expires or moves inbound/."""
    rules = template["Resources"]["AttachmentsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    for rule in rules:
        if not {"ExpirationInDays", "ExpirationDate", "Transitions", "Transition"} & set(rule):
            continue
        prefix = rule.get("Prefix", rule.get("Filter", {}).get("Prefix", ""))
        assert prefix and not "inbound/".startswith(prefix), rule


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
