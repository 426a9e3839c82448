"""Seconds from starting `make run` (or `aitoday run`) on a fresh data dir to a landing page showing cards.

The promise (issue 9): on a fresh clone without internet, http://localhost:8000/ shows demo cards within 60 s.
Run as root to measure it truly offline: the command then runs in a new network namespace that has only
loopback (`unshare -n`), so no feed on the internet can be reached.

    .venv/bin/python bench/time_to_cards.py            # `aitoday run` on a fresh data dir
    .venv/bin/python bench/time_to_cards.py --make     # `make run` (the virtualenv must be installed)

Prints one JSON object: {"seconds_to_cards": ..., "cards": ..., "offline": ..., "command": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PROBE = r"""
import sys, time, urllib.request
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        page = urllib.request.urlopen(sys.argv[1], timeout=1).read().decode()
        cards = page.count('class="card"')
        if cards:
            print(cards)
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit(1)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--make", action="store_true", help="start `make run` instead of `aitoday run`")
    parser.add_argument("--limit", type=float, default=120.0, help="give up after this many seconds")
    args = parser.parse_args()
    offline = os.geteuid() == 0 and shutil.which("unshare") is not None and shutil.which("ip") is not None
    with tempfile.TemporaryDirectory(prefix="aitoday-bench-") as data:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AITODAY_")}
        env["AITODAY_DATA_DIR"] = data
        command = "make run" if args.make else f"{ROOT}/.venv/bin/aitoday run --port 8000"
        probe = Path(data) / "probe.py"
        probe.write_text(_PROBE, encoding="utf-8")
        # the server and the probe share one shell, so they share the (possibly isolated) network namespace
        script = (
            f"ip link set lo up 2>/dev/null; cd {ROOT}; start=$(date +%s.%N); "
            f"setsid {command} >{data}/run.log 2>&1 & pid=$!; "
            f"cards=$({sys.executable} {probe} http://127.0.0.1:8000/ {args.limit}); ok=$?; "
            f"end=$(date +%s.%N); kill -INT -- -$pid 2>/dev/null; wait $pid 2>/dev/null; "
            f"echo \"$ok $cards $start $end\""
        )
        argv = ["unshare", "-n", "bash", "-c", script] if offline else ["bash", "-c", script]
        started = time.monotonic()
        out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=args.limit + 60, check=False)
        fields = out.stdout.split()
        if len(fields) < 4 or fields[0] != "0":
            wall = round(time.monotonic() - started, 1)
            print(json.dumps({"seconds_to_cards": None, "cards": 0, "offline": offline, "command": command,
                              "error": (out.stderr or out.stdout)[-500:], "wall": wall}))
            return 1
        print(json.dumps({"seconds_to_cards": round(float(fields[3]) - float(fields[2]), 2), "cards": int(fields[1]),
                          "offline": offline, "command": command}))
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
