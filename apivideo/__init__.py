"""apivideo: the Python SDK for the api.video video API.

import apivideo
from apivideo.api import videos_api

with apivideo.AuthenticatedApiClient(API_KEY) as client:
    video = videos_api.VideosApi(client).get("vi4k0jvEUuaTdRAEjQ4Jfrgz")
"""

from apivideo._version import __version__
from apivideo.api_client import ApiClient
from apivideo.auth_api_client import AuthenticatedApiClient
from apivideo.configuration import Configuration
from apivideo.exceptions import (
    ApiAttributeError,
    ApiAuthConnectionException,
    ApiAuthException,
    ApiConnectionException,
    ApiException,
    ApiKeyError,
    ApiTimeoutException,
    ApiTypeError,
    ApiValueError,
    BadRequestException,
    ConflictException,
    EncodingFailed,
    ForbiddenException,
    NotFoundException,
    OpenApiException,
    ServiceException,
    TooManyRequestsException,
    UnauthorizedException,
    UploadCancelled,
    UploadError,
    WaitTimeout,
)
from apivideo.retry import RetryPolicy

__all__ = [
    "__version__",
    "ApiClient",
    "AuthenticatedApiClient",
    "Configuration",
    "RetryPolicy",
    "OpenApiException",
    "ApiAttributeError",
    "ApiKeyError",
    "ApiTypeError",
    "ApiValueError",
    "ApiException",
    "ApiAuthException",
    "ApiAuthConnectionException",
    "ApiConnectionException",
    "ApiTimeoutException",
    "BadRequestException",
    "ConflictException",
    "ForbiddenException",
    "NotFoundException",
    "ServiceException",
    "TooManyRequestsException",
    "UnauthorizedException",
    "UploadError",
    "UploadCancelled",
    "EncodingFailed",
    "WaitTimeout",
]
