from __future__ import annotations

from pathlib import Path

import pytest

from editing.config import load_settings
from editing.errors import ConfigError


def test_defaults_are_offline() -> None:
    s = load_settings(env={})
    assert s.data_dir == Path(".atelier")
    assert s.database_url is None
    assert (s.active_prompt_editor, s.active_video_generator, s.active_storage) == (
        "offline",
        "offline",
        "local",
    )


def test_keys_switch_on_real_services() -> None:
    s = load_settings(env={"OPENAI_API_KEY": "sk-x", "REPLICATE_API_TOKEN": "r8_x", "S3_BUCKET_NAME": "b"})
    assert (s.active_prompt_editor, s.active_video_generator, s.active_storage) == (
        "openai",
        "replicate",
        "s3",
    )


def test_secrets_override_environment_and_blank_means_unset() -> None:
    s = load_settings(
        extra={"OPENAI_API_KEY": "sk-secret"}, env={"OPENAI_API_KEY": "sk-env", "S3_BUCKET_NAME": " "}
    )
    assert s.openai_api_key == "sk-secret"
    assert s.s3_bucket_name is None


def test_parsing() -> None:
    s = load_settings(
        env={
            "TRUSTED_MEDIA_HOSTS": " Example.com, 127.0.0.1 ,",
            "DATABASE_URL": "postgres://u@h/db",
            "ATELIER_VIDEO_FPS": "30",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9000/",
        }
    )
    assert s.trusted_media_hosts == ("example.com", "127.0.0.1")
    assert s.database_url == "postgresql://u@h/db"
    assert s.video_fps == 30
    assert s.aws_endpoint_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL"),
        ({"ATELIER_VIDEO_FPS": "fast"}, "ATELIER_VIDEO_FPS"),
        ({"OPENAI_BASE_URL": "ftp://x"}, "OPENAI_BASE_URL"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env)


def test_unknown_provider_name() -> None:
    from editing.providers import registry

    with pytest.raises(ConfigError, match="ATELIER_VIDEO_GENERATOR=sora: unknown video generator 'sora'"):
        registry.video_generator(load_settings(env={"ATELIER_VIDEO_GENERATOR": "sora"}))


@pytest.mark.parametrize("value", ["1", "2000", "lots"])
def test_the_zip_ratio_cap_is_validated(value: str) -> None:
    assert load_settings(env={}).import_max_ratio == 100
    assert load_settings(env={"ATELIER_IMPORT_MAX_RATIO": "250"}).import_max_ratio == 250
    with pytest.raises(ConfigError, match="ATELIER_IMPORT_MAX_RATIO"):
        load_settings(env={"ATELIER_IMPORT_MAX_RATIO": value})
