from bot.settings import DatabaseSettings, Settings
from webhooks.app import create_app


def test_healthz_reports_a_reachable_database(settings):
    client = create_app(settings).test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_without_details_when_the_database_is_unreachable():
    settings = Settings(database=DatabaseSettings(url="postgresql+psycopg://nobody@127.0.0.1:1/x"))
    response = create_app(settings).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert b"127.0.0.1" not in response.data


def test_the_session_cookie_is_secure_http_only_and_same_site_lax(settings):
    app = create_app(settings)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
