#!/usr/bin/env python3
"""Replays the automatic stop on finished refine runs' training curves (report.json), with the
full-resolution phase judged from its first epoch ("old", the rule before c4aa47a) and from the
first epoch after σ's ramp ("new"). Training is deterministic and the rule only decides when to
stop, so a run whose stop epoch is the same under both rules gives the same result under both;
only the runs marked DIFFERS need running again to see what the rule changes.

    tools/bench/replay_stop.py [--patience 3] [--min-improvement 0.1] [--ramp 2] REPORT.json...
"""
import argparse, json


def last_improvement(scores, delta):
    reference, last = scores[0], 0
    for i, score in enumerate(scores[1:], 1):
        if score > reference + delta:
            reference, last = score, i
    return last


def stop_epoch(scores, first_judged, patience, delta):
    """1-based epoch the rule stops after, or None if it would train past the recorded curve."""
    for n in range(first_judged + 1, len(scores) + 1):
        phase = scores[first_judged:n]
        if len(phase) - 1 - last_improvement(phase, delta) >= patience:
            return n
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patience", type=int, default=3)
    parser.add_argument("--min-improvement", type=float, default=0.1)
    parser.add_argument("--ramp", type=int, default=2, help="full-resolution epochs σ's range opens in")
    parser.add_argument("reports", nargs="+")
    args = parser.parse_args()
    for path in args.reports:
        for k, segment in enumerate(json.load(open(path))["segments"]):
            curve = segment["curve"]
            scores = [e["score"] for e in curve]
            coarse = sum(1 for e in curve if e["resolution"] != curve[-1]["resolution"])
            old = stop_epoch(scores, coarse, args.patience, args.min_improvement)
            new = stop_epoch(scores, coarse + args.ramp, args.patience, args.min_improvement)
            print("%s segment %d: %d epochs, old rule stops after %s, new after %s%s" % (
                path, k + 1, len(curve), old or "the curve", new or "the curve", "" if old == new else "  DIFFERS"))


if __name__ == "__main__":
    main()
