"""A Jupyter-native toolkit for LLM pipelines that must feel fast.

The catalog and its search are the ground everything else stands on:

    from toolkit import Catalog, SearchFilters, search_products
    catalog = Catalog.open()                       # the default catalog, created on first use
    result = search_products(catalog, "krimiromaanid", SearchFilters(max_price=20))
"""

from toolkit.core.errors import CatalogError, CatalogImportError, SearchError, ToolkitError
from toolkit.shop.catalog import Catalog, ImportReport
from toolkit.shop.search import ProductHit, SearchFilters, SearchResult, search_products

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogImportError",
    "ImportReport",
    "ProductHit",
    "SearchError",
    "SearchFilters",
    "SearchResult",
    "ToolkitError",
    "search_products",
]
