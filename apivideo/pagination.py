"""Walk every page of a list operation lazily, keeping the caller's filters on every request.

    from apivideo.pagination import paginate, iter_pages

    for video in paginate(videos_api.list, tags=["sport"], page_size=100):
        print(video.video_id)

    for page in iter_pages(webhooks_api.list, events="video.encoding.quality.completed"):
        print(page.pagination.current_page, len(page.data))

The next page is fetched only when the previous one has been consumed. Walking stops after the last page
(``pagination.pages_total``) or at the first empty page.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Protocol, Sequence, TypeVar

from apivideo.exceptions import ApiTypeError, ApiValueError

T_co = TypeVar("T_co", covariant=True)
PageT = TypeVar("PageT", bound="Page[Any]")

__all__ = ["paginate", "iter_pages", "Page"]


class Page(Protocol[T_co]):
    """What every list response has: the items of one page and its pagination block."""

    @property
    def data(self) -> Sequence[T_co]: ...

    @property
    def pagination(self) -> Any: ...


def iter_pages(fetch: Callable[..., PageT], /, **filters: Any) -> Iterator[PageT]:
    """Yield each page returned by ``fetch(**filters, current_page=n)``, starting at ``current_page`` (default 1)."""
    if not callable(fetch):
        raise ApiTypeError(f"iter_pages() argument 'fetch': expected a list method, got {type(fetch).__name__}")
    page_number = filters.pop("current_page", None)
    page_number = 1 if page_number is None else page_number
    if not isinstance(page_number, int) or isinstance(page_number, bool) or page_number < 1:
        raise ApiValueError(f"iter_pages() argument 'current_page': expected an int >= 1, got {page_number!r}")
    while True:
        page = fetch(**filters, current_page=page_number)
        yield page
        items = page.data or ()
        info = page.pagination
        total = getattr(info, "pages_total", None) if info is not None else None
        if not items or total is None or page_number >= total:
            return
        page_number += 1


def paginate(fetch: Callable[..., Page[T_co]], /, **filters: Any) -> Iterator[T_co]:
    """Yield every item of every page, fetching the next page only when needed."""
    for page in iter_pages(fetch, **filters):
        yield from page.data or ()
