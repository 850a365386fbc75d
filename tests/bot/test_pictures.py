"""Where a survey's picture is fetched from: a shipped file's public address, or its own URL."""

from __future__ import annotations

from bot.pictures import PICTURES, picture_url


def test_a_shipped_file_name_becomes_its_address_on_the_public_site():
    url = picture_url("face-3.png", "https://voices.example.org")
    assert url == "https://voices.example.org/pictures/face-3.png"


def test_a_public_url_with_a_trailing_slash_gives_no_double_slash():
    url = picture_url("face-3.png", "https://voices.example.org/")
    assert url == "https://voices.example.org/pictures/face-3.png"


def test_a_name_with_a_space_is_quoted_so_the_address_still_names_the_file():
    url = picture_url("my face.png", "https://voices.example.org")
    assert url == "https://voices.example.org/pictures/my%20face.png"


def test_an_absolute_https_url_passes_through_untouched():
    picture = "https://pictures.example.net/easy-read/thumbs-up.png?v=2"
    assert picture_url(picture, "https://voices.example.org") == picture


def test_the_shipped_pictures_live_in_the_messages_surveys_pictures_folder():
    assert PICTURES.parts[-3:] == ("messages", "surveys", "pictures")
    assert (PICTURES / "face-1.png").is_file()
