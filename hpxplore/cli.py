"""The hpxplore command: look into a registry and profile tasks from a terminal.

hpxplore studies [--registry URL] [--json]
hpxplore profile data.csv --target y [--name NAME] [--tag model=hgb] [--keep-useless]
hpxplore similar data.csv --target y [--k 5] [--registry URL] [--tag model=hgb]
hpxplore export STUDY [--trial N] --out chosen.yaml [--registry URL] [--force]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from hpxplore.exceptions import (
    ExportFormatError,
    ExportTargetExistsError,
    HpxploreError,
    InputError,
    RegistryError,
    StudyNotFoundError,
)

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
    if args.target not in frame.columns:
        try:
            profile_task(frame, target=args.target)  # its message names the columns
        except InputError as error:
            raise InputError(error.message, "Pass --target COLUMN, a column of the CSV.") from None
    try:
        return profile_task(
            frame,
            target=args.target,
            name=args.name,
            tags=_tags(args.tag),
            drop_useless=args.drop_useless,
        )
    except InputError as error:  # the API's hint names its argument: say the flag
        hint = error.hint.replace(
            "leave drop_useless at its default (True)", "leave out --keep-useless"
        )
        raise InputError(error.message, hint) from None


def _parser() -> argparse.ArgumentParser:
    from hpxplore import __version__

    parser = argparse.ArgumentParser(prog="hpxplore", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"hpxplore {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    studies = sub.add_parser("studies", help="list the studies in a registry")
    studies.add_argument("--registry", help="registry URL or file (default: $HPXPLORE_REGISTRY)")
    studies.add_argument("--json", action="store_true", help="every column, as JSON records")
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
            "--keep-useless",
            dest="drop_useless",
            action="store_false",
            help="refuse a CSV with all-missing or constant columns (by default they are "
            "skipped, with a warning)",
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
    report = sub.add_parser(
        "report",
        help="write a study's transfer report, or (without STUDY) the registry's audit, as "
        "one self-contained HTML file",
    )
    report.add_argument("study", nargs="?", help="the study's name (leave out: the audit)")
    report.add_argument("--registry", help="registry URL or file")
    report.add_argument("-o", "--out", default="report.html", help="the HTML file to write")
    report.add_argument("--trial", type=int, help="the config to show as exported")
    report.add_argument("--by", default="model", help="the audit's tag (default: model)")
    return parser


def _report(args: argparse.Namespace, registry) -> None:
    from hpxplore.reports import report
    from hpxplore.study import Study

    if args.study is None:
        path = report(registry, path=args.out, by=args.by)
        print(f"Wrote the audit of {registry.url} by {args.by} to {path}.")
        return
    if args.study not in registry:
        raise StudyNotFoundError(
            f"No study {args.study!r} in {registry.url}.",
            "hpxplore studies --registry ... lists the studies.",
        )
    try:
        study = Study.load(args.study, registry)
    except HpxploreError as error:
        raise HpxploreError(
            error.message,
            "Only a study run by hpx.Study has a transfer to report; leave out STUDY for the "
            "registry's audit.",
        ) from None
    path = report(study, path=args.out, trial=args.trial)
    print(f"Wrote the report of {args.study!r} to {path}.")


def _export(args: argparse.Namespace, registry) -> None:
    from hpxplore.export import export_config

    try:
        document = export_config(
            registry.record(args.study),
            args.trial,
            args.out,
            overwrite=args.force,
            registry=registry.url,
        )
    except ExportFormatError as error:
        raise ExportFormatError(
            error.message, "Name the --out file .json, .yaml or .yml."
        ) from None
    except ExportTargetExistsError as error:
        raise ExportTargetExistsError(
            error.message, "Add --force to overwrite it, or pass another --out."
        ) from None
    print(
        f"Wrote trial {document['provenance']['trial']} of {args.study!r} to {args.out}: "
        + json.dumps(document["config"])
    )


def _studies(registry, as_json: bool) -> None:
    table = registry.studies()
    if as_json:
        print(table.to_json(orient="records", date_format="iso", indent=2))
        return
    if table.empty:
        print(f"No studies in {registry.url}.")
        return
    compact = table.assign(
        trials=[f"{c}/{n}" for c, n in zip(table["n_completed"], table["n_trials"], strict=True)],
        objectives=[
            ", ".join(("-" if d == "minimize" else "") + m for m, d in o.items())
            for o in table["objectives"]
        ],
        params=[len(p) for p in table["parameters"]],
        tags=[", ".join(f"{k}={v}" for k, v in t.items()) for t in table["tags"]],
    )
    columns = ["study", "task", "trials", "objectives", "params", "tags", "state"]
    print(compact[columns].to_string(index=False))
    count = f"{len(table)} stud{'y' if len(table) == 1 else 'ies'}"
    print(f"\n{count} in {registry.url}; --json for every column.")


def _open(location: str | None):
    """The registry to read; a reading command never creates one."""
    from hpxplore.registry import Registry

    try:
        return Registry(location, create=False)
    except RegistryError as error:
        raise RegistryError(
            error.message,
            "Pass --registry PATH_OR_URL of an existing registry (or set $HPXPLORE_REGISTRY); "
            "studies are added from Python (hpx.Registry(path).add_study or a Study run).",
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "profile":
            print(json.dumps(_profile(args).to_dict(), indent=2, sort_keys=True))
            return 0
        registry = _open(args.registry)
        if args.command == "studies":
            _studies(registry, args.json)
        elif args.command == "report":
            _report(args, registry)
        elif args.command == "export":
            try:
                _export(args, registry)
            except StudyNotFoundError as error:
                raise StudyNotFoundError(
                    error.message, "hpxplore studies --registry ... lists the studies."
                ) from None
            except InputError as error:
                if "trial" not in error.message:
                    raise
                raise InputError(
                    error.message, "Pass --trial N, the trial_index of a completed trial."
                ) from None
        else:
            from hpxplore.similarity import closest_on

            profile = _profile(args)
            ranked = registry.similar(profile, k=args.k, tags=_tags(args.tag) or None)
            if ranked.empty:
                print(f"No comparable studies in {registry.url}.")
                return 0
            ranked["closest on"] = [", ".join(closest_on(d)) for d in ranked["deviations"]]
            ranked["farthest on"] = [", ".join(list(c)[:3]) for c in ranked["contributions"]]
            columns = ["study", "similarity", "distance", "in_distribution"]
            print(ranked[[*columns, "closest on", "farthest on"]].to_string(index=False))
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
