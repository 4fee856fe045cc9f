"""scripts/run's last words once the server answers: where to open the browser, which demo users
there are, and how to start over. Waits for /healthz; says nothing if the server stopped (its own
message says why). Usage: started.py URL SERVER_PID"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from importlib.resources import files


def wait_until_up(url: str, pid: int, limit_s: float = 900) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return True
        except OSError:
            try:
                os.kill(pid, 0)
            except OSError:
                return False
            time.sleep(0.5)
    return False


def main() -> None:
    url, pid = sys.argv[1], int(sys.argv[2])
    if not wait_until_up(url, pid):
        sys.exit(1)
    pad = " " * len(f"{url}/login    ")
    lines = [
        "",
        "  Hotline is running. Open in a browser:",
        f"    {url}/         track a request by its code (what citizens see); ?lang=en for English",
        f"    {url}/portal   the citizen portal: a request from a phone, with photos and a point on the map",
        f"    {url}/login    staff pages: each person lands on their own desk — operator1 the workbench,",
        f"    {pad}dispatcher the console, handler.longwan the unit inbox, grid.boai1 the grid",
        f"    {pad}worker's phone page, supervisor the console and rankings, admin the administration",
        f"    {url}/docs     the API: Authorize with a token from POST /api/v1/auth/login, then Try it out",
    ]
    if os.environ.get("HOTLINE_DEMO", "true").lower() not in ("false", "0", "no", "off"):
        city = json.loads(files("hotline.directory").joinpath("demo_city.json").read_text(encoding="utf-8"))
        units = {u["code"]: u["name"] for u in city["units"]}
        lines += ["", "  Demo users (password Demo-<username>-2026; all of them in docs/demo-city.md):"]
        lines += [
            f"    {u['username']:<31} {u['role']:<14} {units.get(u['unit'], u['unit'])}"
            for u in city["users"]
        ]
        lines += [
            "",
            "  A ticket's whole life in one go: scripts/walkthrough    Start the demo over: scripts/run --reset",
        ]
    lines += ["  Stop with Ctrl-C.", ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    main()
