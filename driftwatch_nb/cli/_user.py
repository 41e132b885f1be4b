"""``driftwatch login``, ``driftwatch projects`` and ``driftwatch reports``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from driftwatch_nb.cli._common import connection_options, make_client, print_table, user_errors
from driftwatch_nb.cli._output import abort, info


def register(commands: Any) -> None:
    """Add the account and listing commands to the top-level parser."""
    connection = connection_options()
    login = commands.add_parser(
        "login",
        help="check a server URL and token and remember them",
        description="Check URL and TOKEN against the server, then store them (readable only by "
        "you) in ~/.config/driftwatch/config.json for every later command.",
        epilog="example:\n  driftwatch login --url http://127.0.0.1:8787 --token dw_...\n"
        "  echo $TOKEN | driftwatch login --token -",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    login.add_argument(
        "--url", help="server URL (default: DRIFTWATCH_URL or http://127.0.0.1:8787)"
    )
    login.add_argument("--token", required=True, help="API token, or - to read it from stdin")
    login.set_defaults(handler=_login)

    projects = commands.add_parser(
        "projects", parents=[connection], help="list or create your projects"
    )
    projects.set_defaults(handler=_projects)
    actions = projects.add_subparsers(dest="projects_command", metavar="COMMAND")
    create = actions.add_parser("create", parents=[connection], help="create a project")
    create.add_argument("slug", help="lowercase letters, digits, '-' and '_'")
    create.add_argument("--name", help="display name (default: the slug)")
    create.set_defaults(handler=_create_project)

    reports = commands.add_parser(
        "reports", parents=[connection], help="list a project's reports, newest first"
    )
    reports.add_argument("-p", "--project", required=True, help="project slug")
    reports.add_argument("-b", "--branch", help="only this branch")
    reports.add_argument("--limit", type=int, default=20, help="how many (default 20, at most 100)")
    reports.add_argument("--format", choices=("human", "json"), default="human")
    reports.set_defaults(handler=_reports)


def _login(args: argparse.Namespace) -> int:
    from driftwatch_nb._config import load_config, save_login
    from driftwatch_nb.client import Client

    token = sys.stdin.readline().strip() if args.token == "-" else args.token.strip()
    if not token:
        abort("the token is empty")
    url = args.url or load_config().url
    with user_errors(), Client(url, token) as client:
        name = client.me()
    path = save_login(url=url, token=token)
    info(f"logged in to {url} as {name}; saved to {path}")
    return 0


def _projects(args: argparse.Namespace) -> int:
    client = make_client(args)
    with user_errors():
        projects = client.projects()
    if not projects:
        info("no projects yet; create one with: driftwatch projects create SLUG")
        return 0
    print_table(["slug", "name"], [[p.slug, p.name] for p in projects])
    return 0


def _create_project(args: argparse.Namespace) -> int:
    client = make_client(args)
    with user_errors():
        project = client.create_project(args.slug, args.name)
    info(f"created project {project.slug}")
    return 0


def _reports(args: argparse.Namespace) -> int:
    client = make_client(args)
    with user_errors():
        reports = client.reports(args.project, branch=args.branch, limit=args.limit)
    if args.format == "json":
        print(json.dumps([_as_json(report) for report in reports], indent=2, default=str))
        return 0
    if not reports:
        info(f"no reports in {args.project} yet")
        return 0
    rows = [
        [
            report.created_at.strftime("%Y-%m-%d %H:%M"),
            report.id,
            report.branch,
            report.testbed,
            (report.git_hash or "")[:10],
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


def _as_json(report: Any) -> dict[str, Any]:
    return {
        "id": report.id,
        "created_at": report.created_at,
        "branch": report.branch,
        "testbed": report.testbed,
        "git_hash": report.git_hash,
        "metrics": [vars(metric) for metric in report.metrics],
        "flamegraphs": [
            {"id": f.id, "file_name": f.file_name, "benchmark": f.benchmark}
            for f in report.flamegraphs
        ],
    }
