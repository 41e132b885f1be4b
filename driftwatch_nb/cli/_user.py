"""``driftwatch login``, ``driftwatch projects`` and ``driftwatch reports``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from driftwatch_nb.cli._common import (
    connection_options,
    make_client,
    metric_json,
    print_table,
    user_errors,
)
from driftwatch_nb.core.commands import EXIT_USAGE, abort, info

MAX_REPORTS = 100

LOGIN_EPILOG = """\
examples:
  driftwatch login --url https://driftwatch.example.com --token dw_...
  printf '%s' "$TOKEN" | driftwatch login --token -     keep the token out of shell history

The file is $XDG_CONFIG_HOME/driftwatch/config.json (default ~/.config/driftwatch/config.json),
mode 0600. DRIFTWATCH_URL and DRIFTWATCH_TOKEN, when set, still win over it.
"""
PROJECTS_EPILOG = """\
examples:
  driftwatch projects
  driftwatch projects create my-lib --name "My library"

environment:
  DRIFTWATCH_URL, DRIFTWATCH_TOKEN    server and token (or `driftwatch login`)
"""
REPORTS_EPILOG = """\
examples:
  driftwatch reports -p demo
  driftwatch reports -p demo -b main --limit 5
  driftwatch reports -p demo --format json | jq '.[0].id'

environment:
  DRIFTWATCH_URL, DRIFTWATCH_TOKEN    server and token (or `driftwatch login`)
"""


def register(commands: Any) -> None:
    """Add the account and listing commands to the top-level parser."""
    connection = connection_options()
    login = commands.add_parser(
        "login",
        help="check a server URL and token and remember them",
        description="Check TOKEN against the server at URL, then store both (readable only by "
        "you) for every later command.",
        epilog=LOGIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    login.add_argument(
        "--url",
        help="server URL (default: DRIFTWATCH_URL, the stored login, else http://127.0.0.1:8787)",
    )
    login.add_argument(
        "--token", required=True, help="API token, or - to read it from stdin (first line)"
    )
    login.set_defaults(handler=_login)

    projects = commands.add_parser(
        "projects",
        parents=[connection],
        help="list your projects, or create one",
        description="List your projects (slug and name). `projects create` makes a new one.",
        epilog=PROJECTS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    projects.set_defaults(handler=_projects)
    actions = projects.add_subparsers(dest="projects_command", metavar="COMMAND")
    create = actions.add_parser(
        "create",
        parents=[connection],
        help="create a project",
        description="Create a project you own.",
        epilog="example:\n  driftwatch projects create my-lib --name 'My library'",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create.add_argument("slug", help="lowercase letters, digits, '-' and '_'")
    create.add_argument("--name", help="display name (default: the slug)")
    create.set_defaults(handler=_create_project)

    reports = commands.add_parser(
        "reports",
        parents=[connection],
        help="list a project's reports, newest first",
        description="List a project's reports, newest first: when, id, branch, testbed, "
        "commit, and how many metrics and flamegraphs each carries.",
        epilog=REPORTS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    reports.add_argument("-p", "--project", required=True, help="project slug")
    reports.add_argument("-b", "--branch", help="only this branch")
    reports.add_argument(
        "--limit",
        type=int,
        default=20,
        metavar="N",
        help=f"how many (default 20, at most {MAX_REPORTS})",
    )
    reports.add_argument(
        "--format",
        choices=("human", "json"),
        default="human",
        help="a table (default) or JSON on stdout",
    )
    reports.set_defaults(handler=_reports)


def _login(args: argparse.Namespace) -> int:
    from driftwatch_nb._config import load_config, save_login
    from driftwatch_nb.client import Client

    token = sys.stdin.readline().strip() if args.token == "-" else args.token.strip()
    if not token:
        abort("the token is empty" + (" (nothing on stdin)" if args.token == "-" else ""))
    with user_errors():
        url = args.url or load_config().url
        with Client(url, token) as client:
            name = client.me()
    path = save_login(url=url, token=token)
    info(f"logged in to {url} as {name}; saved to {path}")
    return 0


def _projects(args: argparse.Namespace) -> int:
    client = make_client(args)
    with user_errors(), client:
        projects = client.projects()
    if not projects:
        info("no projects yet; create one with: driftwatch projects create SLUG")
        return 0
    print_table(["slug", "name"], [[p.slug, p.name] for p in projects])
    return 0


def _create_project(args: argparse.Namespace) -> int:
    client = make_client(args)
    with user_errors(), client:
        project = client.create_project(args.slug, args.name)
    info(f"created project {project.slug} ({client.url}/workspaces/{project.slug})")
    return 0


def _reports(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_REPORTS:
        abort(f"--limit must be between 1 and {MAX_REPORTS}", EXIT_USAGE)
    client = make_client(args)
    with user_errors(), client:
        reports = client.reports(args.project, branch=args.branch, limit=args.limit)
    if client.storage_unavailable:
        info(
            "driftwatch: warning: the storage is unreachable: the reports are intact, but their flamegraphs "
            "cannot be opened now (try again later; the server's /healthz says more)"
        )
    if args.format == "json":
        print(json.dumps([_as_json(report) for report in reports], indent=2))
        return 0
    if not reports:
        where = f" on branch {args.branch}" if args.branch else ""
        info(f"no reports in {args.project}{where} yet")
        return 0
    rows = [
        [
            _utc(report.created_at).strftime("%Y-%m-%d %H:%M"),
            report.id,
            report.branch,
            report.testbed,
            (report.git_hash or "-")[:10],
            str(len(report.metrics)),
            str(len(report.flamegraphs)),
        ]
        for report in reports
    ]
    print_table(
        ["created (UTC)", "id", "branch", "testbed", "hash", "metrics", "flamegraphs"], rows
    )
    if reports.total_count > len(reports):
        info(f"{len(reports)} of {reports.total_count} reports; use --limit for more")
    return 0


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment


def _as_json(report: Any) -> dict[str, Any]:
    return {
        "id": report.id,
        "created_at": _utc(report.created_at).isoformat(),
        "project": report.project,
        "branch": report.branch,
        "testbed": report.testbed,
        "git_hash": report.git_hash,
        "adapter": report.adapter,
        "metrics": [metric_json(m) for m in report.metrics],
        "flamegraphs": [
            {
                "id": f.id,
                "file_name": f.file_name,
                "file_size": f.file_size,
                "benchmark": f.benchmark,
            }
            for f in report.flamegraphs
        ],
    }
