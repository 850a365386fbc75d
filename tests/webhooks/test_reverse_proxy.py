"""Behind a TLS-terminating proxy: trust exactly `proxy_hops` proxies' X-Forwarded-* headers."""

from __future__ import annotations

from dataclasses import replace

from flask import request

from webhooks.app import create_app

FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "voices.example.org",
}


def what_the_app_sees(web_settings, hops: int) -> dict:
    app = create_app(replace(web_settings, app=replace(web_settings.app, proxy_hops=hops)))
    app.add_url_rule(
        "/_seen",
        "seen",
        lambda: {"addr": request.remote_addr, "url": request.url_root},
    )
    return app.test_client().get("/_seen", headers=FORWARDED).json


def test_with_one_proxy_hop_the_app_sees_the_real_client_and_public_address(web_settings):
    assert what_the_app_sees(web_settings, 1) == {
        "addr": "203.0.113.9",
        "url": "https://voices.example.org/",
    }


def test_without_proxy_hops_forwarded_headers_are_not_trusted(web_settings):
    # Anyone can send X-Forwarded-For; believing it without a proxy would let them spoof it.
    assert what_the_app_sees(web_settings, 0) == {
        "addr": "127.0.0.1",
        "url": "http://localhost/",
    }
