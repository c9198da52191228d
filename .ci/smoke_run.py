#!/usr/bin/env python3
"""Run `make run` as a newcomer would, and check that the app answers.

Starts `make run` on a free port, waits until the login page answers 200, logs in with
a demo account through the login form and checks that it lands on 我的工作, then stops
everything `make run` started. `--times 2` does it twice on the same checkout (the
second run must find everything in place). Uses only the standard library: it runs
before the virtualenv exists.
"""

import argparse
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

DEMO_LOGIN = ("staff1", "rectify-demo")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_login_page(opener, base, server, deadline):
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"make run exited with {server.returncode} before serving")
        try:
            with opener.open(base + "/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    return response.read().decode()
        except OSError:
            pass
        time.sleep(1)
    sys.exit("the login page did not answer 200 in time")


def log_in(opener, base, page):
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": DEMO_LOGIN[0], "password": DEMO_LOGIN[1], "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        base + "/accounts/login/", data=form, headers={"Referer": base + "/accounts/login/"}
    )
    with opener.open(request, timeout=30) as response:
        body = response.read().decode()
        path = urllib.parse.urlsplit(response.url).path
    if path != "/work/" or "我的工作" not in body:
        sys.exit(f"the demo login landed on {path}, not on 我的工作")


def run_once(timeout):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(["make", "run", f"PORT={port}"], start_new_session=True)
    started = time.monotonic()
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = wait_for_login_page(opener, base, server, started + timeout)
        log_in(opener, base, page)
        seconds = time.monotonic() - started
        print(f"make run: the login page and 我的工作 answered after {seconds:.0f} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--times", type=int, default=1)
    parser.add_argument("--timeout", type=int, default=900, help="seconds for one make run")
    args = parser.parse_args()
    for _ in range(args.times):
        run_once(args.timeout)


if __name__ == "__main__":
    main()
