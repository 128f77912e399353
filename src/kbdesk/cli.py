"""The `kbdesk` command: build, lint, new and serve for writers; outbox, orgs and agent for support."""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

import click

from .authoring import AuthoringError, new_article
from .build import BuildError, build_site
from .desk_cli import agent, mail, orgs, outbox
from .instances import DEFAULT_WORKERS
from .lint import lint as lint_kb
from .server import serve as run_server
from .strings import say

CONFIG = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default="mkdocs.yml",
    show_default=True,
    help=say("cli_config"),
)
KB_DIR = click.option(
    "--kb-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="kb",
    show_default=True,
    help=say("cli_kb_dir"),
)


def _setup_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s - %(message)s"))
    for name in ("mkdocs", "kbdesk"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG if verbose else logging.INFO)
        logger.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, help=say("cli_main"))
def main() -> None:
    pass


@main.command(help=say("cli_build"))
@CONFIG
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help=say("cli_build_site_dir"),
)
@click.option("-v", "--verbose", is_flag=True, help=say("cli_verbose"))
def build(config_file: Path, site_dir: Path | None, verbose: bool) -> None:
    _setup_logging(verbose)
    try:
        built = build_site(config_file, site_dir)
    except BuildError as error:
        raise click.ClickException(str(error)) from error
    click.echo(say("cli_built", path=built))


@main.command(help=say("cli_lint"))
@KB_DIR
@click.option(
    "--docs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="docs",
    show_default=True,
    help=say("cli_docs_dir"),
)
def lint(kb_dir: Path, docs_dir: Path) -> None:
    _, problems = lint_kb(kb_dir, docs_dir)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(say("cli_problems_one") if len(problems) == 1 else say("cli_problems_other", count=len(problems)), err=True)
        sys.exit(1)
    click.echo(say("cli_no_problems"), err=True)


@main.command(help=say("cli_new"))
@KB_DIR
@click.option("--product", required=True, help=say("cli_new_product"))
@click.option(
    "--language",
    default="pt-BR",
    show_default=True,
    envvar="KBDESK_LANGUAGE",
    help=say("cli_new_language"),
)
@click.argument("title")
def new(kb_dir: Path, product: str, title: str, language: str) -> None:
    try:
        path = new_article(kb_dir, product, title, date.today(), language)
    except AuthoringError as error:
        raise click.ClickException(str(error)) from error
    click.echo(str(path))


@main.command(help=say("cli_serve"))
@CONFIG
@click.option("--host", default="127.0.0.1", show_default=True, help=say("cli_host"))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help=say("cli_port"))
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="var",
    show_default=True,
    envvar="KBDESK_DATA_DIR",
    help=say("cli_serve_data_dir"),
)
@click.option("--no-watch", is_flag=True, help=say("cli_no_watch"))
@click.option(
    "--workers",
    default=DEFAULT_WORKERS,
    show_default=True,
    type=click.IntRange(1, 64),
    envvar="KBDESK_WORKERS",
    help=say("cli_workers"),
)
@click.option("--smtp-port", type=click.IntRange(1, 65535), envvar="KBDESK_SMTP_PORT", help=say("cli_smtp_port"))
def serve(config_file: Path, host: str, port: int, data_dir: Path, no_watch: bool, workers: int, smtp_port: int | None) -> None:
    _setup_logging()
    try:
        run_server(config_file, data_dir, host, port, watch_changes=not no_watch, workers=workers, smtp_port=smtp_port)
    except BuildError as error:
        raise click.ClickException(str(error)) from error


@main.command(help=say("cli_publish"))
@click.option("--stack", required=True, help=say("cli_stack"))
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default="site",
    show_default=True,
    help=say("cli_publish_site_dir"),
)
def publish(stack: str, site_dir: Path) -> None:
    import boto3

    from .publish import PublishError, invalidate, stack_target, upload_site

    try:
        target = stack_target(boto3.client("cloudformation"), stack)
    except PublishError as error:
        raise click.ClickException(str(error)) from error
    count = upload_site(boto3.client("s3"), site_dir, target.bucket)
    invalidation = invalidate(boto3.client("cloudfront"), target.distribution)
    click.echo(say("cli_published", count=count, bucket=target.bucket, invalidation=invalidation))


main.add_command(outbox)
main.add_command(orgs)
main.add_command(agent)
main.add_command(mail)
