"""The floor for acknowledgement latency: a Bolt app that only calls ack(), served like `incident-bot serve`.

Same stack as the product: Bolt's Flask adapter behind waitress with the same thread count, signature
checks on. `python -m bench.bare --host 127.0.0.1 --port 3000 --threads 16`.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

from flask import Flask, Response, request
from slack_bolt import Ack, App
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_sdk import WebClient
from waitress import serve

ANYTHING = re.compile(".*")


def bare_app(signing_secret: str, api_url: str) -> Flask:
    """A Flask app whose `POST /slack/events` acks every command, click and submission, and nothing else.

    Its client talks to `api_url` as the bot's does (Bolt checks the token with `auth.test` once)."""
    client = WebClient(token="xoxb-bare", base_url=api_url)
    bolt = App(signing_secret=signing_secret, client=client, token_verification_enabled=False,
               raise_error_for_unhandled_request=False)

    def just_ack(ack: Ack) -> None:
        ack()

    bolt.command(ANYTHING)(just_ack)
    bolt.action(ANYTHING)(just_ack)
    bolt.view(ANYTHING)(just_ack)
    bolt.shortcut(ANYTHING)(just_ack)
    handler = SlackRequestHandler(bolt)
    web = Flask("bare-bolt")

    @web.post("/slack/events")
    def events() -> Any:
        return handler.handle(request)

    @web.get("/healthz")
    def healthz() -> Response:
        return Response("ok")

    return web


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    app = bare_app(os.environ.get("SLACK_SIGNING_SECRET", ""),
                   os.environ.get("SLACK_API_URL", "https://slack.com/api/"))
    serve(app, host=args.host, port=args.port, threads=args.threads, _quiet=True)


if __name__ == "__main__":
    main()
