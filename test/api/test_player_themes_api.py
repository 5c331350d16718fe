"""PlayerThemesApi over HTTP against the emulator."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Callable, List

import pytest

from apivideo.exceptions import NotFoundException
from apivideo.model.player_theme import PlayerTheme
from apivideo.model.player_theme_creation_payload import PlayerThemeCreationPayload
from apivideo.model.player_theme_update_payload import PlayerThemeUpdatePayload
from apivideo.model.player_themes_list_response import PlayerThemesListResponse


@pytest.fixture
def player(apis: SimpleNamespace) -> PlayerTheme:
    return apis.player_themes.create(PlayerThemeCreationPayload(name="Dark"))  # type: ignore[no-any-return]


def test_create_then_get(apis: SimpleNamespace, sent: Callable[..., list]) -> None:
    created = apis.player_themes.create(
        PlayerThemeCreationPayload(name="Dark", text="rgba(255, 255, 255, 1)", link_hover="rgba(0, 0, 0, 1)",
                                   hide_title=True, force_loop=True)
    )  # fmt: skip
    assert isinstance(created, PlayerTheme)
    assert created.player_id.startswith("pl")
    assert (created.name, created.text, created.link_hover) == ("Dark", "rgba(255, 255, 255, 1)", "rgba(0, 0, 0, 1)")
    assert (created.hide_title, created.force_loop, created.enable_controls) == (True, True, True)
    assert created.assets is None
    assert apis.player_themes.get(created.player_id) == created
    (rec,) = sent("POST", path="/players")
    assert rec.status == 201
    assert b'"linkHover":"rgba(0, 0, 0, 1)"' in rec.body and b'"hideTitle":true' in rec.body


def test_update_then_get(apis: SimpleNamespace, player: PlayerTheme) -> None:
    updated = apis.player_themes.update(
        player.player_id, PlayerThemeUpdatePayload(name="Light", background_top="rgba(1, 2, 3, 1)", enable_api=False)
    )
    assert isinstance(updated, PlayerTheme)
    again = apis.player_themes.get(player.player_id)
    assert (again.name, again.background_top, again.enable_api) == ("Light", "rgba(1, 2, 3, 1)", False)
    assert again.created_at == player.created_at


def test_delete_then_get_is_not_found(apis: SimpleNamespace, player: PlayerTheme) -> None:
    assert apis.player_themes.delete(player.player_id) is None
    with pytest.raises(NotFoundException) as info:
        apis.player_themes.get(player.player_id)
    assert info.value.name == "playerId"


@pytest.fixture
def players(apis: SimpleNamespace) -> List[PlayerTheme]:
    return [apis.player_themes.create(PlayerThemeCreationPayload(name=n)) for n in ("b", "c", "a")]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        ({}, ["b", "c", "a"]),
        ({"sort_by": "name", "sort_order": "asc"}, ["a", "b", "c"]),
        ({"sort_by": "name", "sort_order": "desc"}, ["c", "b", "a"]),
        ({"sort_by": "createdAt", "sort_order": "desc"}, ["a", "c", "b"]),
        ({"sort_by": "name", "page_size": 1, "current_page": 3}, ["c"]),
    ],
)
def test_list_sorting_paging(apis: SimpleNamespace, players: List[PlayerTheme], args: dict, names: list) -> None:
    page = apis.player_themes.list(**args)
    assert isinstance(page, PlayerThemesListResponse)
    assert [p.name for p in page.data] == names
    assert all(isinstance(p, PlayerTheme) for p in page.data)
    assert page.pagination.items_total == 3


@pytest.mark.parametrize("kind", ["path", "file"])
def test_upload_then_delete_logo(
    apis: SimpleNamespace, sent: Callable[..., list], files: SimpleNamespace, player: PlayerTheme, kind: str
) -> None:
    if kind == "file":
        with open(files.png, "rb") as fh:
            result = apis.player_themes.upload_logo(player.player_id, fh, link="https://example.com")
    else:
        result = apis.player_themes.upload_logo(player.player_id, str(files.png), link="https://example.com")
    assert isinstance(result, PlayerTheme)
    assert result.assets.logo.startswith("https://") and result.assets.link == "https://example.com"
    (rec,) = sent("POST", path_end="/logo")
    assert b'name="link"\r\n\r\nhttps://example.com\r\n' in rec.body
    assert b'filename="logo.png"' in rec.body and files.png.read_bytes() in rec.body
    assert apis.player_themes.get(player.player_id).assets == result.assets
    assert apis.player_themes.delete_logo(player.player_id) is None
    assert apis.player_themes.get(player.player_id).assets is None


def test_logo_without_link(apis: SimpleNamespace, sent: Callable[..., list], files: SimpleNamespace,
                           player: PlayerTheme) -> None:  # fmt: skip
    result = apis.player_themes.upload_logo(player.player_id, files.png)
    assert result.assets.link == ""
    (rec,) = sent("POST", path_end="/logo")
    assert b'name="link"' not in rec.body


def test_logo_of_unknown_player(apis: SimpleNamespace, files: SimpleNamespace) -> None:
    with pytest.raises(NotFoundException):
        apis.player_themes.upload_logo("pl_missing", files.png)
    with pytest.raises(NotFoundException):
        apis.player_themes.delete_logo("pl_missing")
