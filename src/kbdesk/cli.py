"""The `kbdesk` command: build, lint, new and serve for writers; outbox, orgs and agent for support."""

from __future__ import annotations

import logging
import sys
from datetime import date
from pathlib import Path

import click

from .authoring import AuthoringError, new_article
from .build import BuildError, build_site
from .desk_cli import agent, orgs, outbox
from .instances import DEFAULT_WORKERS
from .lint import lint as lint_kb
from .server import serve as run_server

CONFIG = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default="mkdocs.yml",
    show_default=True,
    help="The site's mkdocs.yml.",
)
KB_DIR = click.option(
    "--kb-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="kb",
    show_default=True,
    help="The knowledge base: one folder per product.",
)


def _setup_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s - %(message)s"))
    for name in ("mkdocs", "kbdesk"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG if verbose else logging.INFO)
        logger.propagate = False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """kbdesk: a customer help portal built from Markdown articles in git."""


@main.command()
@CONFIG
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the site (default: mkdocs.yml's site_dir).",
)
@click.option("-v", "--verbose", is_flag=True, help="Show every step of the build.")
def build(config_file: Path, site_dir: Path | None, verbose: bool) -> None:
    """Build the static site and its search index (strict: any problem fails the build)."""
    _setup_logging(verbose)
    try:
        built = build_site(config_file, site_dir)
    except BuildError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Site built in {built}")


@main.command()
@KB_DIR
@click.option(
    "--docs-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="docs",
    show_default=True,
    help="The site's own pages, for links from articles to them.",
)
def lint(kb_dir: Path, docs_dir: Path) -> None:
    """Check every article; print 'path:line: message' per problem and exit 1 if any."""
    _, problems = lint_kb(kb_dir, docs_dir)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("No problems found.", err=True)


@main.command()
@KB_DIR
@click.option("--product", required=True, help="The product id: a folder of the knowledge base, e.g. omni-crm.")
@click.option(
    "--language",
    default="pt-BR",
    show_default=True,
    envvar="KBDESK_LANGUAGE",
    help="The site's language (theme.language in mkdocs.yml), for the article's starting text.",
)
@click.argument("title")
def new(kb_dir: Path, product: str, title: str, language: str) -> None:
    """Create an article titled TITLE, with its slug made from the title and today's date."""
    try:
        path = new_article(kb_dir, product, title, date.today(), language)
    except AuthoringError as error:
        raise click.ClickException(str(error)) from error
    click.echo(str(path))


@main.command()
@CONFIG
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on (0 picks a free one)."
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="var",
    show_default=True,
    envvar="KBDESK_DATA_DIR",
    help="Where the server keeps its data and builds.",
)
@click.option("--no-watch", is_flag=True, help="Do not rebuild when articles change.")
@click.option(
    "--workers",
    default=DEFAULT_WORKERS,
    show_default=True,
    type=click.IntRange(1, 64),
    envvar="KBDESK_WORKERS",
    help="Processes that run the ticket function, each one request at a time as a Lambda instance does.",
)
def serve(config_file: Path, host: str, port: int, data_dir: Path, no_watch: bool, workers: int) -> None:
    """Build the site and serve it on one origin; edits to articles show on reload."""
    _setup_logging()
    try:
        run_server(config_file, data_dir, host, port, watch_changes=not no_watch, workers=workers)
    except BuildError as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.option("--stack", required=True, help="The CloudFormation stack deployed from template.yaml.")
@click.option(
    "--site-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default="site",
    show_default=True,
    help="The built site (kbdesk build).",
)
def publish(stack: str, site_dir: Path) -> None:
    """Upload the built site to the stack's bucket and invalidate CloudFront (AWS credentials needed)."""
    import boto3

    from .publish import PublishError, invalidate, stack_target, upload_site

    try:
        target = stack_target(boto3.client("cloudformation"), stack)
    except PublishError as error:
        raise click.ClickException(str(error)) from error
    count = upload_site(boto3.client("s3"), site_dir, target.bucket)
    invalidation = invalidate(boto3.client("cloudfront"), target.distribution)
    click.echo(f"{count} files published to s3://{target.bucket}; CloudFront invalidation {invalidation} started.")


main.add_command(outbox)
main.add_command(orgs)
main.add_command(agent)
