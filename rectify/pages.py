"""Pages of long lists: ?page=N, 50 rows a page, the other parameters kept in the links."""

from django.core.paginator import Paginator

PER_PAGE = 50


def page_of(request, items, *, count=None, per_page=PER_PAGE):
    """The requested page of `items` (a queryset: one query for its rows).

    `count`, when the caller has it already (an aggregate), spares the COUNT query.
    A page number out of range or not a number gives the nearest page.
    """
    paginator = Paginator(items, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not queried
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    page.other_params = params.urlencode()
    return page
