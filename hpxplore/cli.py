"""The ``hpxplore`` command: look into a registry and profile tasks from a terminal.

hpxplore studies [--registry URL]
hpxplore profile data.csv --target y [--name NAME] [--tag model=hgb]
hpxplore similar data.csv --target y [--k 5] [--registry URL] [--tag model=hgb]
hpxplore export STUDY [--trial N] --out chosen.yaml [--registry URL] [--force]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from hpxplore.exceptions import HpxploreError

__all__ = ["main"]


def _tags(pairs: Sequence[str]) -> dict[str, str]:
    tags = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise HpxploreError(f"--tag {pair!r} is not KEY=VALUE.", "Write e.g. --tag model=hgb.")
        tags[key] = value
    return tags


def _profile(args: argparse.Namespace):
    import pandas as pd

    from hpxplore.profiling import profile_task

    try:
        frame = pd.read_csv(args.data)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise HpxploreError(
            f"Cannot read {args.data!r} as CSV: {exc}.", "Pass a CSV file with a header row."
        ) from None
    return profile_task(
        frame,
        target=args.target,
        name=args.name,
        tags=_tags(args.tag),
        drop_useless=args.drop_useless,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hpxplore", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    studies = sub.add_parser("studies", help="list the studies in a registry")
    for command in (studies,):
        command.add_argument(
            "--registry", help="registry URL or file (default: $HPXPLORE_REGISTRY)"
        )
    for name, text in (
        ("profile", "profile a CSV task and print its fingerprint as JSON"),
        ("similar", "rank the registry's studies by similarity to a CSV task"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("data", help="CSV file, one row per example")
        command.add_argument("--target", required=True, help="the column to predict")
        command.add_argument("--name", help="the task's name")
        command.add_argument("--tag", action="append", default=[], help="KEY=VALUE, repeatable")
        command.add_argument(
            "--drop-useless", action="store_true", help="drop all-missing and constant columns"
        )
        if name == "similar":
            command.add_argument("--registry", help="registry URL or file")
            command.add_argument("--k", type=int, default=5, help="how many studies (default 5)")
    export = sub.add_parser("export", help="write a study's trial config with its provenance")
    export.add_argument("study", help="the study's name in the registry")
    export.add_argument("--trial", type=int, help="trial index (default: the best, one objective)")
    export.add_argument("--out", required=True, help="file to write: .json, .yaml or .yml")
    export.add_argument("--registry", help="registry URL or file")
    export.add_argument("--force", action="store_true", help="overwrite an existing file")
    return parser


def _export(args: argparse.Namespace, registry) -> None:
    from hpxplore.export import export_config

    document = export_config(
        registry.study(args.study),
        args.trial,
        args.out,
        overwrite=args.force,
        registry=registry.url,
    )
    print(
        f"Wrote trial {document['provenance']['trial']} of {args.study!r} to {args.out}: "
        + json.dumps(document["config"])
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "profile":
            print(json.dumps(_profile(args).to_dict(), indent=2, sort_keys=True))
            return 0
        from hpxplore.registry import Registry

        registry = Registry(args.registry)
        if args.command == "studies":
            table = registry.studies()
            print(
                table.drop(columns=["created_at"]).to_string(index=False)
                if len(table)
                else f"No studies in {registry.url}."
            )
        elif args.command == "export":
            _export(args, registry)
        else:
            profile = _profile(args)
            ranked = registry.similar(profile, k=args.k, tags=_tags(args.tag) or None)
            if ranked.empty:
                print(f"No comparable studies in {registry.url}.")
                return 0
            ranked["drivers"] = [", ".join(list(c)[:3]) for c in ranked["contributions"]]
            print(
                ranked[["study", "similarity", "distance", "in_distribution", "drivers"]].to_string(
                    index=False
                )
            )
            if not ranked.attrs["in_distribution"]:
                print(
                    "\nNo close analog: this task is out of the registry's distribution; "
                    "start cold rather than transfer."
                )
        return 0
    except HpxploreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
