"""GET /pictures/<name>: the shipped easy-read pictures, open to Twilio and Telegram, and
nothing else from the disk."""

from __future__ import annotations

import struct

import pytest

from bot.pictures import PICTURES, picture_url
from tests.webhooks.conftest import PUBLIC_URL

SHIPPED = sorted(path.name for path in PICTURES.iterdir())
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_a_shipped_picture_is_served_as_a_png_to_anyone_and_cached_for_long(client):
    response = client.get("/pictures/face-5.png")

    assert response.status_code == 200
    assert response.content_type == "image/png"
    assert response.data == (PICTURES / "face-5.png").read_bytes()
    assert response.cache_control.public
    assert response.cache_control.max_age >= 7 * 24 * 3600


def test_the_address_a_message_carries_is_the_one_the_app_serves(client):
    url = picture_url("thumbs-up.png", PUBLIC_URL)

    response = client.get(url.removeprefix(PUBLIC_URL))

    assert response.status_code == 200
    assert response.content_type == "image/png"


@pytest.mark.parametrize(
    "path",
    [
        "/pictures/../config.toml",
        "/pictures/..%2Fconfig.toml",
        "/pictures/..%2F..%2F..%2Fconfig.toml",
        "/pictures/%2E%2E%2Fen.toml",
        "/pictures/..%5Cen.toml",
        "/pictures/%2Fetc%2Fpasswd",
    ],
)
def test_a_path_out_of_the_pictures_folder_is_not_found(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.content_type == "application/json"


@pytest.mark.parametrize("name", ["face-5.gif", "face-5.svg", "face-5.png.toml", "face-5"])
def test_a_name_without_an_image_extension_is_not_found(client, name):
    assert client.get(f"/pictures/{name}").status_code == 404


def test_a_file_in_the_folder_that_is_not_an_image_is_not_served(client, tmp_path, monkeypatch):
    (tmp_path / "notes.toml").write_text('secret = "staff only"\n')
    (tmp_path / "smile.jpg").write_bytes(b"\xff\xd8\xff\xe0 not much of a jpeg")
    monkeypatch.setattr("webhooks.pictures.PICTURES", tmp_path)

    assert client.get("/pictures/notes.toml").status_code == 404
    served = client.get("/pictures/smile.jpg")
    assert (served.status_code, served.content_type) == (200, "image/jpeg")


def test_an_image_beside_the_folder_cannot_be_reached_through_it(client, tmp_path, monkeypatch):
    (tmp_path / "private.png").write_bytes(PNG_SIGNATURE + b"not for the public")
    (tmp_path / "pictures").mkdir()
    monkeypatch.setattr("webhooks.pictures.PICTURES", tmp_path / "pictures")

    for path in ("/pictures/..%2Fprivate.png", "/pictures/%2E%2E%2Fprivate.png"):
        response = client.get(path)
        assert response.status_code == 404
        assert b"not for the public" not in response.data


def test_a_picture_that_was_never_shipped_is_not_found(client):
    assert client.get("/pictures/face-6.png").status_code == 404


def test_the_scale_faces_and_thumbs_are_shipped():
    expected = {f"face-{n}.png" for n in range(1, 6)} | {"thumbs-up.png", "thumbs-down.png"}
    assert expected <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_picture_is_a_small_square_png_that_the_route_will_serve(name):
    data = (PICTURES / name).read_bytes()
    assert name.endswith(".png")
    assert data.startswith(PNG_SIGNATURE)
    # The IHDR chunk comes first: width and height, big-endian, after its length and type.
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (512, 512)
    # Small, so a participant on a slow or pay-as-you-go phone is not kept waiting.
    assert len(data) <= 20 * 1024
