"""Command line: ``python -m sklearn_relu demo | reproduce <paper>``."""

import argparse
import sys


def main(argv=None):
    """Run ``python -m sklearn_relu demo | reproduce`` with the arguments ``argv``."""
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_relu",
        description="sklearn-relu: estimators from the learning theory of ReLU neurons.",
    )
    sub = parser.add_subparsers(dest="command", metavar="command")
    demo = sub.add_parser(
        "demo",
        help="fit every estimator family on built-in synthetic data; "
        "print a table per family and write PNG figures",
    )
    demo.add_argument(
        "--out",
        default="sklearn_relu_demo.png",
        help="path of the first PNG figure; the other families write "
        "<stem>_<family>.png beside it (default: %(default)s)",
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    demo.add_argument(
        "--only", nargs="+", metavar="SECTION", help="run only these sections (default: all)"
    )
    from ._reproduce import PAPERS, choices

    rep = sub.add_parser(
        "reproduce",
        help="run one paper's experiment at laptop scale; print the table, "
        "write PNG figures and a JSON of the numbers",
    )
    rep.add_argument(
        "paper",
        choices=choices(),
        metavar="paper",
        help="one of "
        + ", ".join(f"{k} ({'/'.join(a)})" for k, (_, a) in PAPERS.items())
        + ", or all",
    )
    rep.add_argument(
        "--quick", action="store_true", help="a small version that finishes in under a minute"
    )
    rep.add_argument(
        "--out",
        default="reproduce_out",
        help="directory for the figures and JSON (default: %(default)s)",
    )
    rep.add_argument("--seed", type=int, default=0, help="first random seed (default: 0)")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "demo":
        from ._demo import run_demo

        run_demo(out=args.out, seed=args.seed, only=args.only)
    elif args.command == "reproduce":
        from ._reproduce import reproduce

        reproduce(args.paper, out_dir=args.out, quick=args.quick, seed=args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
