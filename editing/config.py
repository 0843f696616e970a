"""One typed settings object, read from the environment (and, inside Streamlit, st.secrets).

The names follow the seed: DATABASE_URL, OPENAI_API_KEY, REPLICATE_API_TOKEN,
S3_BUCKET_NAME, AWS_REGION. Everything Atelier-specific is prefixed ATELIER_.
With nothing set, the app runs fully offline: embedded PostgreSQL, local files,
the rule-based prompt editor and the procedural scene generator.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from editing.errors import ConfigError

#: The longest user, brand, perfume or campaign name (the database columns' size).
NAME_MAX = 200
#: Who the app acts as without sign-in (no [auth] in secrets.toml) and the CLI by default; admin of all.
LOCAL_USER = "local"

# Environment variable → field name. Order in this table is the order of the README's table.
ENV_FIELDS: dict[str, str] = {
    "ATELIER_DATA_DIR": "data_dir",
    "DATABASE_URL": "database_url",
    "OPENAI_API_KEY": "openai_api_key",
    "OPENAI_BASE_URL": "openai_base_url",
    "ATELIER_OPENAI_MODEL": "openai_model",
    "ATELIER_OPENAI_TIMEOUT": "openai_timeout_s",
    "ATELIER_OPENAI_INPUT_PRICE_PER_MTOK": "openai_input_price_per_mtok",
    "ATELIER_OPENAI_OUTPUT_PRICE_PER_MTOK": "openai_output_price_per_mtok",
    "REPLICATE_API_TOKEN": "replicate_api_token",
    "REPLICATE_BASE_URL": "replicate_base_url",
    "ATELIER_REPLICATE_MODEL": "replicate_model",
    "ATELIER_REPLICATE_RESOLUTION": "replicate_resolution",
    "ATELIER_REPLICATE_PRICE_PER_SECOND": "replicate_price_per_second",
    "ATELIER_REPLICATE_TIMEOUT": "replicate_timeout_s",
    "REPLICATE_POLL_INTERVAL": "replicate_poll_interval_s",
    "ATELIER_DOWNLOAD_MAX_MB": "download_max_mb",
    "ATELIER_IMPORT_MAX_MB": "import_max_mb",
    "ATELIER_IMPORT_MAX_RATIO": "import_max_ratio",
    "TRUSTED_MEDIA_HOSTS": "trusted_media_hosts",
    "S3_BUCKET_NAME": "s3_bucket_name",
    "AWS_REGION": "aws_region",
    "AWS_ENDPOINT_URL": "aws_endpoint_url",
    "ATELIER_PROMPT_EDITOR": "prompt_editor",
    "ATELIER_VIDEO_GENERATOR": "video_generator",
    "ATELIER_USER": "user",
    "ATELIER_BRAND": "brand",
    "ATELIER_VIDEO_WIDTH": "video_width",
    "ATELIER_VIDEO_HEIGHT": "video_height",
    "ATELIER_VIDEO_FPS": "video_fps",
    "ATELIER_WORKERS": "workers",
    "ATELIER_WORKER_CONCURRENCY": "worker_concurrency",
    "ATELIER_SWEEP_INTERVAL": "sweep_interval_s",
}


class Settings(BaseModel):
    """Everything configurable about Atelier, validated once."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    data_dir: Path = Path(".atelier")
    database_url: str | None = None

    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_s: float = Field(30.0, gt=0)
    # USD per million tokens (gpt-4o-mini list price).
    openai_input_price_per_mtok: float = Field(0.15, gt=0)
    openai_output_price_per_mtok: float = Field(0.60, gt=0)

    replicate_api_token: str | None = None
    replicate_base_url: str | None = None
    replicate_model: str = "bytedance/seedance-1-lite"
    replicate_resolution: str = "720p"
    # USD per second of generated video (seedance-1-lite at 720p).
    replicate_price_per_second: float = Field(0.036, gt=0)
    replicate_timeout_s: float = Field(600.0, gt=0)
    replicate_poll_interval_s: float = Field(2.0, gt=0)
    download_max_mb: int = Field(200, gt=0)
    # The most an uploaded or imported campaign may weigh, unpacked (= server.maxUploadSize).
    import_max_mb: int = Field(500, gt=0)
    # A zip member (or a whole zip) that unpacks to more than this many times its packed size is a
    # zip bomb: video and audio barely compress (about 1:1), deflate cannot pass about 1032:1.
    import_max_ratio: int = Field(100, ge=2, le=1032)
    trusted_media_hosts: tuple[str, ...] = ()

    s3_bucket_name: str | None = None
    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None

    # "auto" picks the real service when its key is set; otherwise a registry name.
    prompt_editor: str = "auto"
    video_generator: str = "auto"

    user: str = Field(LOCAL_USER, min_length=1, max_length=NAME_MAX)
    brand: str | None = Field(None, max_length=NAME_MAX)

    # Where edits run: "inline" (threads of the app or CLI process) or "external"
    # (`python -m editing worker` processes; app replicas only enqueue).
    workers: Literal["inline", "external"] = "inline"
    worker_concurrency: int = Field(8, ge=1, le=64)
    # Seconds between two looks for edits whose process died (their lease is free).
    sweep_interval_s: float = Field(3.0, gt=0, le=60)

    video_width: int = Field(720, ge=64, le=2160)
    video_height: int = Field(1280, ge=64, le=3840)
    video_fps: int = Field(24, ge=1, le=60)

    @field_validator("database_url")
    @classmethod
    def _check_db_url(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        scheme = urlparse(v).scheme
        if not scheme.startswith("postgresql") and scheme != "postgres":
            raise ValueError(f"DATABASE_URL must be a postgresql:// URL, got scheme {scheme!r}")
        if scheme == "postgres":  # Heroku-style alias SQLAlchemy does not accept
            v = "postgresql" + v[len("postgres") :]
        return v

    @field_validator("openai_base_url", "replicate_base_url", "aws_endpoint_url")
    @classmethod
    def _check_http_url(cls, v: str | None) -> str | None:
        if v in (None, ""):
            return None
        if urlparse(v).scheme not in ("http", "https"):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v.rstrip("/")

    @field_validator("trusted_media_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, v: Any) -> tuple[str, ...]:
        if v is None or v == "":
            return ()
        if isinstance(v, str):
            v = v.split(",")
        return tuple(h.strip().lower() for h in v if h and h.strip())

    @field_validator("user", "brand", mode="before")
    @classmethod
    def _one_line_name(cls, v: Any) -> Any:
        if isinstance(v, str) and any(ch in v for ch in "\r\n\t\x00"):
            raise ValueError("must be one line of text")
        return v.strip() if isinstance(v, str) else v

    @field_validator("openai_api_key", "replicate_api_token", "s3_bucket_name", "brand", mode="before")
    @classmethod
    def _blank_is_none(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    # Which provider is live -------------------------------------------------
    @property
    def active_prompt_editor(self) -> str:
        if self.prompt_editor != "auto":
            return self.prompt_editor
        return "openai" if self.openai_api_key else "offline"

    @property
    def active_video_generator(self) -> str:
        if self.video_generator != "auto":
            return self.video_generator
        return "replicate" if self.replicate_api_token else "offline"

    @property
    def active_storage(self) -> str:
        return "s3" if self.s3_bucket_name else "local"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def pg_dir(self) -> Path:
        return self.data_dir / "pg"


def load_settings(extra: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment, with ``extra`` (e.g. st.secrets) taking precedence.

    Raises:
        ConfigError: a value is malformed; the message names the variable.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for source in (env, extra or {}):
        for var, field in ENV_FIELDS.items():
            if var in source and source[var] not in (None, ""):
                values[field] = source[var]
    try:
        return Settings(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        var = next((k for k, f in ENV_FIELDS.items() if f == field), field)
        raise ConfigError(f"{var}: {err['msg']}") from None
