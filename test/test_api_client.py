"""What goes on the wire: URLs, query strings, headers and bodies, checked on the emulator's request log."""

from __future__ import annotations

import json

import pytest

import apivideo
from apivideo.api.videos_api import VideosApi
from apivideo.configuration import Configuration
from apivideo.model.metadata import Metadata
from apivideo.model.video_creation_payload import VideoCreationPayload
from apivideo.model.video_update_payload import VideoUpdatePayload
from apivideo.wire import query_pairs


def _last(emu, path_prefix="/videos"):
    return [r for r in emu.requests if r.path.startswith(path_prefix)][-1]


def test_list_filters_are_encoded_as_the_api_expects(emu, client):
    VideosApi(client).list(
        title="My Video.mp4", tags=["captions", "dialogue"], metadata={"key": "value", "k2": "v 2"},
        sort_by="publishedAt", sort_order="asc", current_page=2, page_size=30,
    )  # fmt: skip
    req = _last(emu)
    assert req.query == [
        ("title", "My Video.mp4"), ("tags[]", "captions"), ("tags[]", "dialogue"), ("metadata[key]", "value"),
        ("metadata[k2]", "v 2"), ("sortBy", "publishedAt"), ("sortOrder", "asc"), ("currentPage", "2"),
        ("pageSize", "30"),
    ]  # fmt: skip
    assert "tags%5B%5D=captions&tags%5B%5D=dialogue" in req.raw_path  # brackets travel percent-encoded


@pytest.mark.parametrize(
    ("name", "value", "pairs"),
    [
        ("unique", True, [("unique", "true")]),
        ("unique", False, [("unique", "false")]),
        ("tags[]", ["a", "b"], [("tags[]", "a"), ("tags[]", "b")]),
        ("metadata", {"a": "1"}, [("metadata[a]", "1")]),
        ("filterBy", {"browser": ["chrome", "edge"], "country": "FR"},
         [("filterBy[browser][]", "chrome"), ("filterBy[browser][]", "edge"), ("filterBy[country]", "FR")]),
        ("pageSize", 10, [("pageSize", "10")]),
    ],
)  # fmt: skip
def test_query_pairs(name, value, pairs):
    assert list(query_pairs(name, value)) == pairs


@pytest.mark.parametrize(
    ("video_id", "raw"),
    [
        ("a/b?c#d", "/videos/a%2Fb%3Fc%23d"),
        ("../x", "/videos/..%2Fx"),
        ("..", "/videos/%2E%2E"),
        ("caf\u00e9 100%", "/videos/caf%C3%A9%20100%25"),
        ("x\r\nHost: evil", "/videos/x%0D%0AHost%3A%20evil"),
    ],
)
def test_path_parameters_stay_inside_their_segment(emu, client, video_id, raw):
    with pytest.raises(apivideo.NotFoundException) as info:
        VideosApi(client).get(video_id)
    req = _last(emu)
    assert req.raw_path == raw
    assert info.value.name == "videoId"
    assert video_id in (info.value.detail or "")  # the server saw one segment holding exactly this id


def test_empty_path_parameter_is_refused_before_any_request(emu, client):
    emu.clear_requests()
    with pytest.raises(apivideo.ApiValueError, match="video_id"):
        VideosApi(client).get("")
    assert emu.requests == []


def test_json_body_is_camel_case_and_only_carries_set_fields(emu, client):
    api = VideosApi(client)
    video = api.create(VideoCreationPayload(title="t", mp4_support=False, metadata=[Metadata(key="k", value="v")]))
    assert json.loads(_last(emu).body) == {"title": "t", "mp4Support": False, "metadata": [{"key": "k", "value": "v"}]}
    api.update(video.video_id, VideoUpdatePayload(player_id="pl1", description=None))
    req = _last(emu)
    assert req.headers["Content-Type"] == "application/json"
    assert json.loads(req.body) == {"playerId": "pl1", "description": None}


def test_origin_headers(emu, client):
    client.set_application_name("my-app", "1.2.3")
    VideosApi(client).list()
    req = _last(emu)
    assert req.headers["AV-Origin-Client"] == f"python:{apivideo.__version__}"
    assert req.headers["AV-Origin-App"] == "my-app:1.2.3"


@pytest.mark.parametrize(
    ("name", "version"), [("bad name", "1.0"), ("app", "1.0.0.0"), ("a\r\nX: y", "1"), ("app", "")]
)
def test_invalid_application_names_are_refused(name, version):
    client = apivideo.ApiClient()
    with pytest.raises(apivideo.ApiValueError):
        client.set_application_name(name, version)
    assert "AV-Origin-App" not in client.default_headers


def test_header_values_cannot_inject_lines():
    client = apivideo.ApiClient()
    with pytest.raises(apivideo.ApiValueError):
        client.set_default_header("X-Test", "a\r\nInjected: 1")


def test_a_client_without_credentials_can_upload_with_a_token(emu, client, tmp_path):
    from apivideo.api.upload_tokens_api import UploadTokensApi
    from apivideo.model.token_creation_payload import TokenCreationPayload

    token = UploadTokensApi(client).create_token(TokenCreationPayload(ttl=60)).token
    source = tmp_path / "clip.mp4"
    source.write_bytes(b"\x00\x01" * 1000)
    emu.clear_requests()
    with apivideo.ApiClient(Configuration(host=emu.host)) as anonymous:
        video = VideosApi(anonymous).upload_with_upload_token(token, str(source))
    assert video.video_id
    assert "Authorization" not in emu.requests[0].headers
    assert emu.source_sha256(video.video_id) is not None


def test_return_http_data_only_false_gives_status_and_headers(emu, client):
    data, status, headers = VideosApi(client).list(_return_http_data_only=False)
    assert status == 200 and data.data == [] and "Content-Type" in headers


def test_preload_content_false_gives_the_raw_response(emu, client):
    raw = VideosApi(client).list(_preload_content=False)
    assert json.loads(raw.data)["data"] == []


def test_close_releases_the_pool(emu, config):
    client = apivideo.ApiClient(config)
    client.close()
    assert len(client.rest_client.pool_manager.pools) == 0


def test_configuration_checks_its_values():
    with pytest.raises(apivideo.ApiValueError, match=r"5 MiB \(5242880 bytes\) and 128 MiB \(134217728 bytes\)"):
        Configuration(chunk_size=1024)
    with pytest.raises(apivideo.ApiValueError):
        Configuration(chunk_size=129 * 1024 * 1024)
    assert Configuration().chunk_size == 50 * 1024 * 1024
    assert Configuration(chunk_size=10 * 1024 * 1024).chunk_size == 10 * 1024 * 1024
    with pytest.raises(apivideo.ApiValueError, match="host"):
        Configuration(host="ws.api.video")
    c = Configuration(
        host=None, api_key=None, api_key_prefix=None, access_token=None, username=None, password=None,
        discard_unknown_keys=True, disabled_client_side_validations="", server_index=None, server_variables=None,
        server_operation_index=None, server_operation_variables=None, ssl_ca_cert=None, chunk_size=52428800,
    )  # fmt: skip
    assert c.host == "https://ws.api.video" and c.verify_ssl


def test_tls_verification_uses_certifi_by_default():
    import certifi

    client = apivideo.ApiClient()
    kw = client.rest_client.pool_manager.connection_pool_kw
    assert kw["cert_reqs"] == "CERT_REQUIRED" and kw["ca_certs"] == certifi.where()


def test_turning_tls_verification_off_logs_a_warning(caplog):
    Configuration(verify_ssl=False)
    assert "verification is turned off" in caplog.text


def test_call_api_keeps_the_official_low_level_entry_point(emu, client):
    from apivideo.model.video import Video

    created = VideosApi(client).create(VideoCreationPayload(title="low level"))
    data, status, headers = client.call_api(
        "/videos/{videoId}", "GET", path_params={"videoId": created.video_id}, response_type=(Video,),
        auth_settings=["apiKey"],
    )  # fmt: skip
    assert isinstance(data, Video) and data.title == "low level" and status == 200
    only = client.call_api(
        "/videos", "GET", query_params=[("tags[]", ["x"])], response_type=(dict,), _return_http_data_only=True
    )
    assert only["data"] == []
    assert ("tags[]", "x") in _last(emu).query


def test_async_upload_returns_a_result_to_wait_for(emu, client, tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x07" * 1000)
    api = VideosApi(client)
    video_id = api.create(VideoCreationPayload(title="async")).video_id
    pending = api.upload(video_id, str(path), async_req=True)
    assert pending.get(10).video_id == video_id
    assert emu.source_sha256(video_id) is not None


def test_debug_switch_logs_requests_without_secrets(emu, config, capsys):
    import logging

    config.debug = True
    try:
        with apivideo.AuthenticatedApiClient(emu.api_key, configuration=config) as client:
            VideosApi(client).list()
            token = client._token.headers["Authorization"].split()[1]
    finally:
        config.debug = False
    err = capsys.readouterr().err
    assert "GET /videos -> 200" in err
    assert emu.api_key not in err and token not in err
    assert logging.getLogger("apivideo").level == logging.NOTSET and not logging.getLogger("apivideo").handlers
