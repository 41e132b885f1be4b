"""Write the Strawberry schema as SDL to ``driftwatch_nb/core/graphql/schema.graphql``.

``python -m driftwatch_server.graphql.export`` after changing a GraphQL type; a test fails
while the committed file and the schema disagree.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path


def schema_sdl() -> str:
    """The server's schema as SDL, with a trailing newline."""
    from driftwatch_server.graphql.schema import schema

    return schema.as_str().rstrip() + "\n"


def exported_path() -> Path:
    """Where the shared core keeps the exported schema."""
    return Path(str(files("driftwatch_nb.core.graphql") / "schema.graphql"))


def main() -> int:
    path = exported_path()
    path.write_text(schema_sdl(), encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
