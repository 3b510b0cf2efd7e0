import toolkit


def test_public_names_are_exported_and_importable():
    for name in toolkit.__all__:
        assert getattr(toolkit, name) is not None, name
    assert {"Catalog", "search_products", "SearchFilters", "ToolkitError"} <= set(toolkit.__all__)


def test_errors_form_one_tree():
    assert issubclass(toolkit.CatalogImportError, toolkit.CatalogError)
    assert issubclass(toolkit.CatalogError, toolkit.ToolkitError)
    assert issubclass(toolkit.SearchError, toolkit.ToolkitError)
